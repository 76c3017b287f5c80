"""The `LocalLLM` global: status, list, pull, info, remove and available, over `Manager`.

Field names follow the Rust llmspell's LocalLLM so its scripts keep working: `running`
(Ollama) and `ready` (GGUF) are both set on every backend, `models` is always a number.
"""

from __future__ import annotations

from typing import Any

import llmspell
from llmspell import BadInputError, LocalModel, ModelInfo, PullProgress

from .convert import from_lua, iso_time, lua_type, options, to_lua, unix_seconds

_GB = 1_000_000_000
#: Backends every Rust llmspell had: its scripts read `s.ollama`, `s.gguf` and `s.candle`
#: even where one is not installed, so those rows always exist (`installed = false`).
RUST_BACKENDS = ("ollama", "gguf")
RUST_ALIASES = {"candle": "gguf"}


def _spec(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadInputError(
            f"{where} needs a model spec string, got {lua_type(value)}; "
            f'e.g. {where}("local/smollm2:135m@gguf").'
        )
    return value


def _backend_arg(value: Any, where: str) -> str | None:
    if value is None or value == "all":
        return None
    if not isinstance(value, str):
        raise BadInputError(
            f'{where} takes an optional backend name, got {lua_type(value)}; e.g. {where}("gguf").'
        )
    return value


def model_entry(m: LocalModel) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": m.name,
        "backend": m.backend,
        "size_bytes": m.size_bytes,
        "size_gb": round(m.size_bytes / _GB, 2),
        "quantization": m.quantization,
        "modified_at": unix_seconds(m.modified_at),
        "modified": iso_time(m.modified_at),
        "path": m.path,
    }


def info_entry(i: ModelInfo) -> dict[str, Any]:
    return {
        "id": i.id,
        "name": i.name,
        "backend": i.backend,
        "format": i.format,
        "size_bytes": i.size_bytes,
        "size_gb": round(i.size_bytes / _GB, 2),
        "parameter_count": i.parameter_count,
        "quantization": i.quantization,
        "context_length": i.context_length,
        "architecture": i.architecture,
        "has_chat_template": i.has_chat_template,
        "license": i.license,
        "path": i.path,
        "modified_at": unix_seconds(i.modified_at),
        "modified": iso_time(i.modified_at),
        "loaded": i.loaded,
        "details": i.details,
    }


class LocalLLMBridge:
    def __init__(self, manager: llmspell.Manager, lua: Any) -> None:
        self.manager = manager
        self.lua = lua

    def status(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for h in self.manager.status():
            out[h.backend] = {
                "backend": h.backend,
                "running": h.healthy,
                "ready": h.healthy,
                "healthy": h.healthy,
                "models": h.model_count or 0,
                "version": h.version,
                "error": h.error,
                "endpoint": h.endpoint,
                "device": h.device,
            }
        for name in RUST_BACKENDS:  # scripts read s.ollama / s.gguf even when not installed
            out.setdefault(
                name,
                {
                    "backend": name,
                    "running": False,
                    "ready": False,
                    "healthy": False,
                    "models": 0,
                    "installed": False,
                    "error": f"The {name} backend is not installed; pip install llmspell-{name}.",
                },
            )
        aliases = {**RUST_ALIASES, **self.manager.aliases}
        for alias, target in aliases.items():
            if target in out and alias not in out:
                out[alias] = out[target]  # the same table: s.candle == s.gguf
        return out

    def list(self, backend: Any = None) -> list[dict[str, Any]]:
        chosen = _backend_arg(backend, "LocalLLM.list")
        return [model_entry(m) for m in self.manager.list_models(chosen)]

    def pull(self, spec: Any, opts: Any = None) -> dict[str, Any]:
        spec = _spec(spec, "LocalLLM.pull")
        example = 'LocalLLM.pull("gguf/smollm2:135m", { quantization = "Q4_K_M" })'
        given = options(opts, "LocalLLM.pull", example)
        unknown = sorted(set(given) - {"quantization", "force", "progress"})
        if unknown:
            raise BadInputError(
                f"LocalLLM.pull has no option {unknown[0]!r}; "
                "known options: force, progress, quantization."
            )
        quantization = given.get("quantization")
        if quantization is not None and not isinstance(quantization, str):
            raise BadInputError(
                f'LocalLLM.pull: quantization must be a string such as "Q4_K_M", '
                f"got {lua_type(quantization)}."
            )
        force = given.get("force", False)
        if not isinstance(force, bool):
            raise BadInputError(f"LocalLLM.pull: force must be true or false, got {force!r}.")
        callback = given.get("progress")
        if callback is not None and lua_type(callback) != "function":
            raise BadInputError(
                f"LocalLLM.pull: progress must be a function, got {lua_type(callback)}."
            )
        last: list[PullProgress] = []

        def progress(event: PullProgress) -> None:
            last[:] = [event]
            if callback is not None:
                payload = {
                    "model": event.model,
                    "status": event.status,
                    "completed": event.completed,
                    "total": event.total,
                    "percent": round(event.percent, 1),
                }
                callback(to_lua(self.lua, payload))

        model = self.manager.pull(spec, force=force, quantization=quantization, progress=progress)
        downloaded = last[0].completed if last and last[0].total else 0
        return {
            "model_id": model.id,
            "name": model.name,
            "backend": model.backend,
            "status": "completed",
            "percent_complete": 100.0,
            "bytes_downloaded": downloaded,
            "bytes_total": model.size_bytes,
            "size_bytes": model.size_bytes,
        }

    def info(self, spec: Any) -> dict[str, Any]:
        return info_entry(self.manager.info(_spec(spec, "LocalLLM.info")))

    def remove(self, spec: Any) -> bool:
        self.manager.remove(_spec(spec, "LocalLLM.remove"))
        return True

    def available(self, backend: Any = None, opts: Any = None) -> list[dict[str, Any]]:
        chosen = _backend_arg(backend, "LocalLLM.available")
        given = options(opts, "LocalLLM.available", "{ recommended = true }")
        recommended = bool(from_lua(given.get("recommended", False)))
        return [
            {
                "name": e.name,
                "backend": e.backend,
                "size_bytes": e.size_bytes,
                "description": e.description,
                "recommended": e.recommended,
            }
            for e in self.manager.available(chosen, recommended=recommended)
        ]
