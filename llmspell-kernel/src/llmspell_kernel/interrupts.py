"""Stopping one request's generations and pulls, and no other's.

An interrupt only sets the request's flag (`concurrency.Request.interrupt`); the work
notices it in its own thread at a safe point and raises KeyboardInterrupt there: a
generation between two tokens, after its sequence has left the batch, so the other
clients' sequences in the same batch run on (a KeyboardInterrupt delivered while a thread
ran a batch step for everyone would fail them all); a pull at its next progress event.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from typing import Any

import attrs
from llmspell import CompletionRequest, CompletionResult, PullProgress, StreamChunk
from llmspell.inference import collect

Stopping = Callable[[], bool]

#: In a request's thread: whether that request has been interrupted. Agents created there
#: keep it (`Interruptible`), so the agents of a notebook's Lua state answer to whichever
#: of its cells is running.
STOPPING: contextvars.ContextVar[Stopping | None] = contextvars.ContextVar(
    "llmspell_stopping", default=None
)


@attrs.define
class Interruptible:
    """A generator (a loaded model) whose generations stop at the next token once their
    request is interrupted. `complete` goes through `stream` so it can stop too."""

    inner: Any
    stopping: Stopping

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("inner", "stopping"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    def stream(self, request: CompletionRequest) -> Iterator[StreamChunk]:
        if self.stopping():
            raise KeyboardInterrupt
        chunks = self.inner.stream(request)
        try:
            for chunk in chunks:
                if self.stopping():
                    raise KeyboardInterrupt  # closing `chunks` frees only this sequence
                yield chunk
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def complete(self, request: CompletionRequest) -> CompletionResult:
        return collect(self.stream(request))


def checked(
    progress: Callable[[PullProgress], None] | None, stopping: Stopping
) -> Callable[[PullProgress], None]:
    """A pull's progress callback that stops the download once the request is interrupted
    (what was downloaded is kept, so the same pull resumes)."""

    def report(event: PullProgress) -> None:
        if stopping():
            raise KeyboardInterrupt
        if progress is not None:
            progress(event)

    return report
