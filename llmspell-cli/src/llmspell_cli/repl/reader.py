"""Reading what the person types: prompt_toolkit line editing, persistent history, `\"\"\"`.

prompt_toolkit is imported here only, when a chat starts on a terminal, so one-shot prompts
and `--help` never pay for it. A paste arrives as one bracketed paste and stays one message,
newlines included. Ctrl-C clears a line being typed; on an empty line it raises
`EmptyInterrupt` so the chat can say how to leave, as Ollama does. Ctrl-D raises EOFError.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Protocol

PROMPT = ">>> "
CONTINUATION = "... "
#: Ollama's multi-line quotes, and `llm chat`'s `!multi` ... `!end`.
QUOTES = '"""'
MULTI, END = "!multi", "!end"


class EmptyInterrupt(Exception):
    """Ctrl-C on an empty prompt."""


class LineSource(Protocol):
    def line(self, prompt: str) -> str: ...


def history_file() -> Path:
    from llmspell.paths import llmspell_home

    return llmspell_home() / "history" / "chat"


class TerminalLines:
    """Lines from prompt_toolkit, with history kept in `LLMSPELL_HOME/history/chat`."""

    def __init__(self, history: Path) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory, InMemoryHistory
        from prompt_toolkit.key_binding import KeyBindings

        bindings = KeyBindings()

        @bindings.add("c-c")
        def _interrupt(event) -> None:
            buffer = event.app.current_buffer
            if buffer.text:
                buffer.reset()
            else:
                event.app.exit(exception=EmptyInterrupt())

        try:
            history.parent.mkdir(parents=True, exist_ok=True)
            kept = FileHistory(str(history))
        except OSError:  # a read-only home: history for this session only
            kept = InMemoryHistory()
        self._session = PromptSession(history=kept, key_bindings=bindings)

    def line(self, prompt: str) -> str:
        return self._session.prompt(prompt)


class PlainLines:
    """`input()`, for a terminal on stdin whose output is redirected (prompt_toolkit needs both)."""

    def line(self, prompt: str) -> str:
        try:
            return input(prompt)
        except KeyboardInterrupt:
            sys.stderr.write("\n")
            raise EmptyInterrupt from None


def line_source() -> LineSource:
    return TerminalLines(history_file()) if sys.stdout.isatty() else PlainLines()


def read_message(source: LineSource) -> str:
    """One message: a line, or the lines between `\"\"\"` and `\"\"\"` (or `!multi`/`!end`)."""
    first = source.line(PROMPT)
    stripped = first.strip()
    if stripped.startswith(QUOTES):
        rest = stripped[len(QUOTES) :]
        if rest.endswith(QUOTES):
            return rest[: -len(QUOTES)]
        lines = [rest] if rest else []
        while True:
            more = source.line(CONTINUATION)
            if more.rstrip().endswith(QUOTES):
                lines.append(more.rstrip()[: -len(QUOTES)])
                return "\n".join(lines).strip("\n")
            lines.append(more)
    if stripped == MULTI:
        lines = []
        while (more := source.line(CONTINUATION)).strip() != END:
            lines.append(more)
        return "\n".join(lines).strip("\n")
    return first
