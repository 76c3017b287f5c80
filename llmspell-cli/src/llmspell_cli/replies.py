"""Printing a model's reply as it streams: trimmed, word-wrapped on a terminal, then timed.

Shared by one-shot prompts and the REPL, so both show the same text, the same timings
(`--verbose`, `/set verbose`) and the same notice when a reply hit `max_tokens`.
"""

from __future__ import annotations

import shutil
import time
from typing import TYPE_CHECKING, TextIO

import attrs

from .formatting import to_json

if TYPE_CHECKING:
    from llmspell import Agent, CompletionResult


def truncation_notice(max_tokens: int | None, option: str) -> str:
    """Said on stderr when a reply stopped at its length limit rather than where it ended."""
    limit = f"max_tokens = {max_tokens}" if max_tokens else "the default max_tokens"
    example = max(2048, 2 * (max_tokens or 0))
    return f"Note: the reply was cut off at {limit}; raise it with {option} {example}."


def display_width(text: str) -> int:
    """Terminal cells `text` takes (wide CJK characters count two)."""
    import unicodedata

    return sum(
        0
        if unicodedata.combining(ch)
        else 2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 1
        for ch in text
    )


class WordWrapper:
    """Writes streamed text, breaking lines only between words, never inside one.

    Text arrives in arbitrary pieces (a token can be half a word), so the current word is held
    back until the whitespace after it shows where it ends; then it goes on this line if it
    fits, else on the next. A word longer than a whole line is written as it is.
    """

    def __init__(self, out: TextIO, width: int | None) -> None:
        self.out = out
        self.width = width  # None: no wrapping (a pipe, or /set nowordwrap)
        self.column = 0
        self._word = ""
        self._space = ""

    def write(self, text: str) -> None:
        if self.width is None:
            self.out.write(text)
            self.column = 0
            return
        for ch in text:
            if ch == "\n":
                self._flush_word()
                self.out.write("\n")
                self.column, self._space = 0, ""
            elif ch.isspace():
                self._flush_word()
                self._space += ch
            else:
                self._word += ch

    def finish(self) -> None:
        self._flush_word()

    def _flush_word(self) -> None:
        if not self._word:
            return
        word_width = display_width(self._word)
        space = self._space.replace("\t", "    ")
        if self.column and self.column + len(space) + word_width > self.width:
            self.out.write("\n")
            self.column, space = 0, ""  # a wrapped line starts with the word itself
        # At the start of a line the spaces are indentation (code), and are kept.
        self.out.write(space + self._word)
        self.column += len(space) + word_width
        self._word, self._space = "", ""


def terminal_width(out: TextIO) -> int | None:
    """The width to wrap at when `out` is a terminal, else None (pipes get the raw text)."""
    try:
        if not out.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return max(20, shutil.get_terminal_size((80, 24)).columns - 1)


@attrs.define
class Outcome:
    """A printed reply: its final result (None when stopped) and when its pieces came."""

    result: CompletionResult | None = None
    started: float = 0.0
    first_token: float | None = None
    ended: float = 0.0

    def print_timings(self, err: TextIO) -> None:
        """What `ollama run --verbose` shows, from the result's usage and our own clock."""
        lines = [("total duration", _seconds(self.ended - self.started))]
        if self.first_token is not None:
            lines.append(("first token", _seconds(self.first_token - self.started)))
        usage = self.result.usage if self.result is not None else None
        prompt = getattr(usage, "prompt", None)
        completion = getattr(usage, "completion", None)
        if prompt is not None:
            lines.append(("prompt tokens", str(prompt)))
        if completion is not None:
            lines.append(("reply tokens", str(completion)))
            spent = self.ended - (self.first_token or self.started)
            if completion > 1 and spent > 0:
                lines.append(("reply rate", f"{(completion - 1) / spent:.1f} tokens/s"))
        width = max(len(k) for k, _ in lines) + 2
        for key, value in lines:
            err.write(f"{key + ':':<{width}}{value}\n")
        err.flush()


def _seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def print_reply(agent: Agent, text: str, out: TextIO, *, wrap: bool = True) -> Outcome:
    """Stream the reply to `out`, trimmed of the whitespace models put around answers.

    Ctrl-C (KeyboardInterrupt) propagates after the line is ended; the agent then does not
    remember the stopped turn.
    """
    outcome = Outcome(started=time.perf_counter())
    writer = WordWrapper(out, terminal_width(out) if wrap else None)
    pending, started = "", False
    stream = agent.stream(text)
    try:
        for chunk in stream:
            if chunk.done:
                outcome.result = chunk.result
            piece = pending + chunk.text
            if not started:
                piece = piece.lstrip()
                started = bool(piece)
                if started:
                    outcome.first_token = time.perf_counter()
            shown = piece.rstrip()
            pending = piece[len(shown) :]
            if shown:
                writer.write(shown)
                out.flush()
    finally:
        outcome.ended = time.perf_counter()
        stream.close()
        writer.finish()
        out.write("\n")
        out.flush()
    return outcome


def reply_to_json(result: CompletionResult) -> str:
    """`--format json`: the core's CompletionResult serialization, as Lua and the kernel get it."""
    return to_json(result.to_dict())
