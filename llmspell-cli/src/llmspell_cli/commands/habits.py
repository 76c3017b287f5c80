"""What Ollama and `llm` users type out of habit: `model ps`, and root `pull`/`list`/`rm`/`show`.

`model ls`, `model rm` and `model show` are aliases registered in `app.py`; `model ps` lists
loaded models from every backend's health report. The root-level habits are hidden commands
that answer with the llmspell command to run instead (exit 2, as for any usage mistake).
"""

from __future__ import annotations

from typing import Annotated

from cyclopts import Parameter

from ..errors import OK
from ..formatting import human_size, table, to_json
from ..options import Format
from ..session import manager

_ANY = Parameter(allow_leading_hyphen=True, show=False)

#: root word typed -> the llmspell command that does it.
HABITS = {
    "pull": "model pull",
    "list": "model list",
    "ls": "model list",
    "rm": "model remove",
    "remove": "model remove",
    "show": "model info",
    "info": "model info",
    "ps": "model ps",
    "status": "model status",
    "available": "model available",
    "import": "model import",
}


def habit(word: str):
    """A hidden root command `word` that names the right command and exits 2."""

    def command(*tokens: Annotated[str, _ANY]) -> int:
        from llmspell import BadInputError

        rest = " ".join(tokens)
        suggestion = f"llmspell {HABITS[word]} {rest}".strip()
        raise BadInputError(f"{word!r} is a model command in llmspell: run {suggestion}")

    command.__name__ = word
    command.__doc__ = f"Use `llmspell {HABITS[word]}`."
    return command


def ps(*, format: Format = "text") -> int:
    """Show loaded models and their memory, from every backend.

    GGUF models live inside the process that uses them (a chat, a script, a kernel), so a
    fresh command shows none of them; Ollama's come from its server.
    """
    rows = [
        {"backend": status.backend, **loaded.to_dict()}
        for status in manager().status()
        for loaded in status.loaded
    ]
    if format == "json":
        print(to_json({"models": rows}))
        return OK
    if not rows:
        print("No models are loaded. GGUF models load inside the process that uses them.")
        return OK
    table_rows = [
        [
            r["name"],
            r["backend"],
            human_size(r["size_bytes"]),
            human_size(r["vram_bytes"]) if r["vram_bytes"] else "-",
            r["expires"] or "-",
        ]
        for r in rows
    ]
    print(table(["name", "backend", "size", "on gpu", "unloads"], table_rows))
    return OK
