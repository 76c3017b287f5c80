"""`model_request` → `model_reply`: the `llmspell model ...` commands served by the kernel.

Each command answers exactly the document its `--format json` prints (built by the same
serializers), under `result`, so a connected CLI prints it unchanged and a Python client
reads the same fields. Errors become `{"status": "error", "ename", "evalue", "exit_code"}`
with the message the CLI would print.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import llmspell
from llmspell import BadInputError, LlmspellError, PullProgress

COMMANDS = ("list", "pull", "info", "remove", "status", "available")
_FIELDS = {"command", "backend", "model", "force", "quantization", "recommended"}

Progress = Callable[[PullProgress], None]


def _schema() -> Any:
    from llmspell_cli import schema

    return schema


def _text(content: Mapping[str, Any], key: str, required: bool = False) -> str | None:
    value = content.get(key)
    if value is None:
        if required:
            raise BadInputError(f"model_request {content.get('command')!r} needs a {key!r}.")
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadInputError(f"model_request field {key!r} must be a non-empty string.")
    return value


def _flag(content: Mapping[str, Any], key: str) -> bool:
    value = content.get(key, False)
    if not isinstance(value, bool):
        raise BadInputError(f"model_request field {key!r} must be true or false.")
    return value


def _present(m: llmspell.Manager, spec: Any, quantization: str | None) -> Any:
    """The installed model a pull of `spec` would produce, if it is already there."""
    try:
        r = m.resolve(spec)
        found = next((x for x in m.list_models(r.backend.name) if x.name == r.spec.name), None)
    except LlmspellError:
        return None
    if found and quantization and (found.quantization or "").upper() != quantization.upper():
        return None
    return found


def run(m: llmspell.Manager, content: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """The `result` of one request; raises `LlmspellError` for the error reply."""
    command = content.get("command")
    if command not in COMMANDS:
        raise BadInputError(
            f"model_request command {command!r} is unknown; use one of {', '.join(COMMANDS)}."
        )
    unknown = sorted(set(content) - _FIELDS)
    if unknown:
        raise BadInputError(
            f"model_request has unknown fields {', '.join(unknown)}; "
            f"known: {', '.join(sorted(_FIELDS))}."
        )
    schema = _schema()
    backend = _text(content, "backend")
    if command == "list":
        models = m.list_models(backend)
        skipped = dict(getattr(models, "skipped", None) or m.skipped)
        return {"models": [schema.local_model(x) for x in models], "skipped": skipped}
    if command == "status":
        return {"backends": [schema.health(s) for s in m.status()]}
    if command == "available":
        entries = m.available(backend, _flag(content, "recommended"))
        return {"models": [schema.catalog_entry(e) for e in entries]}
    model = _text(content, "model", required=True)
    if command == "info":
        return schema.model_info(m.info(model))
    if command == "remove":
        r = m.resolve(model)
        target = f"{r.backend.name}/{r.spec.name}"
        m.remove(f"{r.spec.name}@{r.backend.name}")
        return {"status": "removed", "id": target, "backend": r.backend.name}
    quantization = _text(content, "quantization")
    parsed = m.parse(model)
    present = None if _flag(content, "force") else _present(m, parsed, quantization)
    if present is not None:
        return {"status": "present", "model": schema.local_model(present)}
    pulled = m.pull(
        parsed, force=_flag(content, "force"), quantization=quantization, progress=progress
    )
    return {"status": "pulled", "model": schema.local_model(pulled)}


def reply(m: llmspell.Manager, content: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """The whole `model_reply` content: ok with `result`, or an error the CLI would print."""
    try:
        return {
            "status": "ok",
            "command": content.get("command"),
            "result": run(m, content, progress),
        }
    except LlmspellError as exc:
        return error(type(exc).__name__, exc.message, exc.exit_code)


def error(ename: str, evalue: str, exit_code: int = 1) -> dict[str, Any]:
    return {
        "status": "error",
        "ename": ename,
        "evalue": evalue,
        "traceback": [],
        "exit_code": exit_code,
    }
