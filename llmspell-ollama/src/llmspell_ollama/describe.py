"""Ollama's API responses (as the ollama client parses them) turned into llmspell's data."""

from __future__ import annotations

from typing import Any

from llmspell import LoadedModel, LocalModel, ModelInfo

#: Ollama's `num_ctx` when neither the request nor the Modelfile sets it (docs/faq).
DEFAULT_NUM_CTX = 4096


def canonical(name: str) -> str:
    """Ollama's own identity for a name: case-insensitive, `:latest` when no tag is given."""
    last = name.rsplit("/", 1)[-1]
    return (name if ":" in last else name + ":latest").lower()


def same_model(a: str, b: str) -> bool:
    return canonical(a) == canonical(b)


def _details(details: Any) -> dict[str, Any]:
    if details is None:
        return {}
    return {
        "format": details.format,
        "family": details.family,
        "families": list(details.families) if details.families else None,
        "parameter_size": details.parameter_size,
        "parent_model": details.parent_model or None,
        "quantization_level": details.quantization_level,
    }


def local_model(entry: Any, backend: str = "ollama") -> LocalModel:
    """One `/api/tags` entry (`ListResponse.Model`: it has `model`, not `name`)."""
    details = _details(entry.details)
    return LocalModel(
        name=entry.model,
        backend=backend,
        size_bytes=int(entry.size or 0),
        quantization=details.get("quantization_level"),
        modified_at=entry.modified_at.timestamp() if entry.modified_at else None,
        details={
            "digest": entry.digest,
            "family": details.get("family"),
            "parameter_size": details.get("parameter_size"),
            "format": details.get("format"),
        },
    )


def loaded_model(entry: Any) -> LoadedModel:
    """One `/api/ps` entry, for `status` and `info`."""
    return LoadedModel(
        name=entry.name or entry.model,
        size_bytes=int(entry.size or 0),
        vram_bytes=int(entry.size_vram or 0),
        context_length=entry.context_length,
        expires_at=entry.expires_at.timestamp() if entry.expires_at else None,
    )


def parse_parameters(text: str | None) -> dict[str, Any]:
    """The `parameters` text of `/api/show` ("stop  \"<|eot|>\"" lines); repeated keys → lists."""
    out: dict[str, Any] = {}
    for line in (text or "").splitlines():
        key, _, value = line.strip().partition(" ")
        if not key:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if key in out:
            previous = out[key]
            out[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[key] = value
    return out


def model_context_length(show: Any) -> int | None:
    """The model's trained context, from `model_info["<architecture>.context_length"]`."""
    info = show.modelinfo or {}
    arch = info.get("general.architecture")
    value = info.get(f"{arch}.context_length") if arch else None
    return int(value) if value is not None else None


def serving_context_length(show: Any, num_ctx: int | None) -> int:
    """The window Ollama will actually allocate: ours, else the Modelfile's, else its default."""
    if num_ctx:
        return num_ctx
    configured = parse_parameters(show.parameters).get("num_ctx")
    if isinstance(configured, str) and configured.isdigit():
        return int(configured)
    trained = model_context_length(show)
    return min(trained, DEFAULT_NUM_CTX) if trained else DEFAULT_NUM_CTX


def license_name(text: str | None) -> str | None:
    """The first line of the license text (Ollama returns the whole text, often 10 kB)."""
    first = next((line.strip() for line in (text or "").splitlines() if line.strip()), None)
    return first[:100] if first else None


def model_info(
    name: str,
    show: Any,
    listed: LocalModel | None,
    loaded: LoadedModel | None,
    backend: str = "ollama",
) -> ModelInfo:
    """`/api/show` plus the model's `/api/tags` entry (size) and `/api/ps` entry (loaded)."""
    info = dict(show.modelinfo or {})
    details = _details(show.details)
    count = info.get("general.parameter_count")
    return ModelInfo(
        name=listed.name if listed else name,
        backend=backend,
        format="ollama",
        size_bytes=listed.size_bytes if listed else 0,
        architecture=info.get("general.architecture") or details.get("family"),
        parameter_count=int(count) if count is not None else None,
        quantization=details.get("quantization_level"),
        context_length=model_context_length(show),
        has_chat_template=bool(show.template),
        chat_template=show.template or None,
        license=license_name(show.license),
        modified_at=show.modified_at.timestamp() if show.modified_at else None,
        loaded=loaded is not None,
        details={  # what the fields above do not already say
            "family": details.get("family"),
            "parameter_size": details.get("parameter_size"),
            "weights_format": details.get("format"),
            "parent_model": details.get("parent_model"),
            "digest": listed.details.get("digest") if listed else None,
            "modelfile_parameters": parse_parameters(show.parameters),
            "capabilities": list(show.capabilities or []),
            "loaded_context_length": loaded.context_length if loaded else None,
            "loaded_vram_bytes": loaded.vram_bytes if loaded else None,
        },
    )
