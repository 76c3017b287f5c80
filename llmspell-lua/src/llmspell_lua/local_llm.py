"""The `LocalLLM` global: status, list, pull, info, remove and available, over `Manager`.

Every table is a result's canonical `to_dict()` (the same values as `--format json`), plus
the Rust llmspell's names from `RUST_NAMES`, so its scripts keep working: `running` (Ollama)
and `ready` (GGUF) are both set on every backend, `models` is always a number.
"""

from __future__ import annotations

from typing import Any

import llmspell
from llmspell import BadInputError, HealthStatus, PullProgress

from .convert import from_lua, lua_type, options, to_lua

_GB = 1_000_000_000
#: Backends every Rust llmspell had: its scripts read `s.ollama`, `s.gguf` and `s.candle`
#: even where one is not installed, so those rows always exist (`installed = false`).
RUST_BACKENDS = ("ollama", "gguf")
RUST_ALIASES = {"candle": "gguf"}

#: The one place Lua differs from the canonical `to_dict()` of each result (the same dicts
#: as `--format json`): names the Rust llmspell's LocalLLM used, added next to the canonical
#: ones with the same values (Lua name → canonical key, `a.b` for a nested one). Sizes
#: (`size_bytes`), Unix-second times (`modified_at`), `model_id` and `percent_complete` are
#: canonical already.
RUST_NAMES: dict[str, dict[str, str]] = {
    "health": {"running": "healthy", "ready": "healthy", "models": "model_count"},
    "model": {},
    "info": {},
    "pull": {"name": "model.name", "backend": "model.backend", "size_bytes": "model.size_bytes"},
}


def lua_view(kind: str, canonical: dict[str, Any]) -> dict[str, Any]:
    """`canonical` (a result's `to_dict()`) plus the Rust-compatible names for `kind`."""
    out = dict(canonical)
    for rust, key in RUST_NAMES[kind].items():
        value: Any = canonical
        for part in key.split("."):
            value = value[part]
        out[rust] = value
    if "size_bytes" in canonical and kind in ("model", "info"):
        out["size_gb"] = round((canonical["size_bytes"] or 0) / _GB, 2)  # for printing
    return out


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


class LocalLLMBridge:
    def __init__(self, manager: llmspell.Manager, lua: Any) -> None:
        self.manager = manager
        self.lua = lua

    def status(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for h in self.manager.status():
            out[h.backend] = lua_view("health", h.to_dict())
        for name in RUST_BACKENDS:  # scripts read s.ollama / s.gguf even when not installed
            if name not in out:
                absent = HealthStatus(
                    name, False, error=f"The {name} backend is not installed; "
                    f"pip install llmspell-{name}."
                )  # fmt: skip
                out[name] = {**lua_view("health", absent.to_dict()), "installed": False}
        aliases = {**RUST_ALIASES, **self.manager.aliases}
        for alias, target in aliases.items():
            if target in out and alias not in out:
                out[alias] = out[target]  # the same table: s.candle == s.gguf
        return out

    def list(self, backend: Any = None) -> list[dict[str, Any]]:
        chosen = _backend_arg(backend, "LocalLLM.list")
        return [lua_view("model", m.to_dict()) for m in self.manager.list_models(chosen)]

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

        def progress(event: PullProgress) -> None:
            if callback is not None:
                callback(to_lua(self.lua, event.to_dict()))

        result = self.manager.pull(spec, force=force, quantization=quantization, progress=progress)
        return lua_view("pull", result.to_dict())

    def info(self, spec: Any) -> dict[str, Any]:
        return lua_view("info", self.manager.info(_spec(spec, "LocalLLM.info")).to_dict())

    def remove(self, spec: Any) -> bool:
        self.manager.remove(_spec(spec, "LocalLLM.remove"))
        return True

    def available(self, backend: Any = None, opts: Any = None) -> list[dict[str, Any]]:
        chosen = _backend_arg(backend, "LocalLLM.available")
        given = options(opts, "LocalLLM.available", "{ recommended = true }")
        recommended = bool(from_lua(given.get("recommended", False)))
        entries = self.manager.available(chosen, recommended=recommended)
        return [e.to_dict() for e in entries]
