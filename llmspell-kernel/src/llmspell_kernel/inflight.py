"""Requests in flight: each runs in its own thread, so several clients share the model.

ipykernel serves shell requests one at a time, so a second client's generation would wait
for the first. The GGUF backend decodes concurrent streams on one model in shared batches,
so the kernel starts each long request (a cell, a chat turn, a model command) in a thread
of its own and replies when it ends (`LlmspellKernel._spawn`). What must stay ordered runs
in a `Lane`: one notebook session's cells (its Lua state is not thread-safe), the model
store's pulls and removes.

Interrupts are cooperative: `Request.interrupt` sets the request's flag and its Lua
state's, and every generation or pull started by that request stops at its next token or
progress event (`Interruptible`, `checked`) by raising KeyboardInterrupt in its own thread,
between two batch steps, so the other clients' sequences in the same batch run on.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import attrs
from llmspell import CompletionRequest, CompletionResult, PullProgress, StreamChunk
from llmspell.inference import collect

T = TypeVar("T")
Stopping = Callable[[], bool]

#: In a request's thread: whether that request has been interrupted. Agents created there
#: keep it (`Interruptible`), so a Lua state's agents answer to its current request.
STOPPING: contextvars.ContextVar[Stopping | None] = contextvars.ContextVar(
    "llmspell_stopping", default=None
)


@attrs.define(eq=False)
class Request:
    """One shell request the kernel is serving: what an `interrupt_request` names."""

    msg_id: str
    session: str
    stop: threading.Event = attrs.field(factory=threading.Event)
    #: Its Lua state while a cell or script runs.
    runtime: Any = None
    running: bool = False

    def interrupt(self) -> None:
        self.stop.set()
        if self.runtime is not None:
            self.runtime.interrupt()


@attrs.define(eq=False)
class LuaState:
    """A Lua runtime and the request using it: a notebook session's, kept between cells,
    or a fresh one for an isolated request (`llmspell run --connect`)."""

    runtime: Any = None
    request: Request | None = None

    def stopping(self) -> bool:
        return self.request is not None and self.request.stop.is_set()


@attrs.define(eq=False)
class Lane:
    """Requests that run one at a time in arrival order (asyncio.Lock wakes waiters FIFO).

    `abort_before`: tickets below it that have not started are answered `aborted` (a
    notebook's queued cells after an error, as Jupyter's `stop_on_error` asks)."""

    lock: asyncio.Lock = attrs.field(factory=asyncio.Lock)
    issued: int = 0
    abort_before: int = 0
    users: int = 0


@attrs.define
class Lanes:
    lanes: dict[str, Lane] = attrs.field(factory=dict)

    def join(self, key: str) -> tuple[Lane, int]:
        """The lane `key` and this request's ticket in it."""
        lane = self.lanes.setdefault(key, Lane())
        lane.users += 1
        lane.issued += 1
        return lane, lane.issued

    def leave(self, key: str, lane: Lane) -> None:
        lane.users -= 1
        if not lane.users and self.lanes.get(key) is lane:
            del self.lanes[key]


class Interrupted(Exception):
    """A KeyboardInterrupt that left a request's thread (it must not reach the event loop)."""


def in_thread(fn: Callable[[], T]) -> asyncio.Future[T]:
    """`fn()` in a new daemon thread, with the caller's context variables (the shell parent,
    so output goes to the right request); awaited on the event loop.

    Daemon threads, not an executor: a shutdown must not wait for a generation to end.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    context = contextvars.copy_context()

    def settle(value: Any, error: BaseException | None) -> None:
        if future.cancelled():
            return
        if error is None:
            future.set_result(value)
        else:
            future.set_exception(error)

    def work() -> None:
        try:
            value = context.run(fn)
        except Exception as exc:
            loop.call_soon_threadsafe(settle, None, exc)
        except BaseException as exc:  # KeyboardInterrupt would stop the event loop
            loop.call_soon_threadsafe(settle, None, Interrupted(repr(exc)))
        else:
            loop.call_soon_threadsafe(settle, value, None)

    threading.Thread(target=work, name="llmspell-request", daemon=True).start()
    return future


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
