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


def _text(content: Mapping[str, Any], key: str) -> str | None:
    value = content.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise BadInputError(f"model_request field {key!r} must be a non-empty string.")
    return value


def _flag(content: Mapping[str, Any], key: str) -> bool:
    value = content.get(key, False)
    if not isinstance(value, bool):
        raise BadInputError(f"model_request field {key!r} must be true or false.")
    return value


def run(m: llmspell.Manager, content: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """The `result` of one request, from the core's `model_command` (the CLI's own JSON);
    raises `LlmspellError` for the error reply."""
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
    if command == "pull" and not _flag(content, "force") and _text(content, "model"):
        # As `llmspell model pull` does: a present model is said so before any progress.
        from llmspell.models import PRESENT, PullResult

        present = m.installed(m.parse(content["model"]), _text(content, "quantization"))
        if present is not None:
            return PullResult(present, PRESENT).to_dict()
    return llmspell.model_command(
        m,
        command,
        backend=_text(content, "backend"),
        model=_text(content, "model"),
        force=_flag(content, "force"),
        quantization=_text(content, "quantization"),
        recommended=_flag(content, "recommended"),
        progress=progress,
    )


def reply(m: llmspell.Manager, content: Mapping[str, Any], progress: Progress) -> dict[str, Any]:
    """The whole `model_reply` content: ok with the command's document, or an error the CLI
    would print.

    The document's fields sit at the top of the reply, as the seed's protocol has it, and the
    whole document again under `result`: `pull` and `remove` have a `status` of their own,
    which only `result` can carry beside the reply's `"ok"`.
    """
    try:
        document = run(m, content, progress)
        fields = {k: v for k, v in document.items() if k not in ("status", "command", "result")}
        return {"status": "ok", "command": content.get("command"), **fields, "result": document}
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
