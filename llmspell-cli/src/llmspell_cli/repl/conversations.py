"""`/save NAME` and `/load NAME`: conversations as JSON files in `LLMSPELL_HOME/conversations`.

A file holds the model spec, the system prompt, the parameters set with `/set` and the
messages, so `/load` (in any later chat) continues where `/save` left off.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import attrs

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")
FORMAT = 1


def directory() -> Path:
    from llmspell.paths import llmspell_home

    return llmspell_home() / "conversations"


def path_of(name: str) -> Path:
    from llmspell import BadInputError

    if not _NAME.match(name) or ".." in name:
        raise BadInputError(
            f"{name!r} cannot name a conversation: use letters, digits, '.', '_' and '-'."
        )
    return directory() / f"{name}.json"


@attrs.frozen
class Conversation:
    model: str
    system: str | None
    params: dict[str, Any]
    messages: list[dict[str, str]]

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, **attrs.asdict(self)}


def save(name: str, conversation: Conversation) -> Path:
    """Write atomically, so an interrupted save never leaves half a file."""
    path = path_of(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(conversation.to_dict(), indent=2, ensure_ascii=False) + "\n")
    os.replace(temporary, path)
    return path


def saved_names() -> list[str]:
    return sorted(p.stem for p in directory().glob("*.json"))


def load(name: str) -> Conversation:
    from llmspell import BadInputError

    path = path_of(name)
    try:
        data = json.loads(path.read_text())
        messages = [{"role": m["role"], "content": m["content"]} for m in data["messages"]]
        return Conversation(data["model"], data.get("system"), dict(data["params"]), messages)
    except FileNotFoundError:
        known = ", ".join(saved_names()) or "none yet"
        raise BadInputError(f"No conversation is saved as {name!r} (saved: {known}).") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BadInputError(f"{path} is not a saved conversation ({exc}).") from None
