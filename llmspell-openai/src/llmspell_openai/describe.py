"""`GET /models` entries as llmspell's model records.

The OpenAI API reports only `id`, `created` and `owned_by`; engines add their own fields,
read here when present: vLLM and SGLang `max_model_len`, llama-server a `meta` object
(`n_ctx_train`, `n_params`, `size`), LM Studio-style `context_length`.
"""

from __future__ import annotations

from typing import Any

from llmspell import LocalModel, ModelInfo

from .options import OpenAIOptions


def find(entries: list[dict[str, Any]], model: str) -> dict[str, Any] | None:
    """The entry whose id is `model`; else the only one equal ignoring case (Ollama's names
    are case-insensitive) or with Ollama's implicit `:latest` tag."""
    exact = next((e for e in entries if e.get("id") == model), None)
    if exact is not None:
        return exact
    wanted = {model.lower(), f"{model.lower()}:latest"}
    close = [e for e in entries if str(e.get("id", "")).lower() in wanted]
    return close[0] if len(close) == 1 else None


def _meta(entry: dict[str, Any]) -> dict[str, Any]:
    meta = entry.get("meta")
    return meta if isinstance(meta, dict) else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def context_length(entry: dict[str, Any], options: OpenAIOptions) -> int | None:
    """The option when set (the user knows the deployment), else what the server reports."""
    return options.context_length or next(
        (
            n
            for n in (
                _int(entry.get("max_model_len")),
                _int(entry.get("context_length")),
                _int(_meta(entry).get("n_ctx_train")),
            )
            if n
        ),
        None,
    )


def _created(entry: dict[str, Any]) -> float | None:
    created = entry.get("created")
    return float(created) if isinstance(created, (int, float)) and created > 0 else None


def local_model(entry: dict[str, Any], backend: str) -> LocalModel:
    return LocalModel(
        name=str(entry["id"]),
        backend=backend,
        size_bytes=_int(_meta(entry).get("size")) or 0,
        modified_at=_created(entry),
    )


def model_info(entry: dict[str, Any], backend: str, options: OpenAIOptions) -> ModelInfo:
    meta = _meta(entry)
    return ModelInfo(
        name=str(entry["id"]),
        backend=backend,
        format="openai",
        size_bytes=_int(meta.get("size")) or 0,
        parameter_count=_int(meta.get("n_params")),
        context_length=context_length(entry, options),
        modified_at=_created(entry),
        loaded=True,  # a server lists the models it serves
        details={"owned_by": entry.get("owned_by")},
    )
