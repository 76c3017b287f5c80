"""Several clients at once: an ipykernel `Kernel` whose long requests run side by side.

ipykernel dispatches shell requests one at a time (each handler is awaited under one lock),
so a second client's generation would wait for the first. The GGUF backend decodes
concurrent streams on one model in shared batches; to let clients share them, a handler
hands its work to `ConcurrentKernel.spawn` and returns at once: the work runs as a task
(its blocking part in a thread of its own, `in_thread`) that sends the reply, then the
request's own idle status. What must stay ordered names a lane (`Lane`): requests of one
lane run one at a time, in arrival order (a notebook session's cells share a Lua state).

Everything per request is the request's: the shell parent (ipykernel keeps it in a
context variable, copied into the task and its thread), the execution count, busy/idle.
Interrupts name a request (`interrupt_request` content `{"msg_id"}` or `{"session"}`, or
nothing for all) and only set its flag; the work stops itself (`interrupts.py`).
"""

from __future__ import annotations

import asyncio
import contextvars
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import attrs
from ipykernel.kernelbase import Kernel

T = TypeVar("T")
Handler = Callable[[], Awaitable[None]]


@attrs.define(eq=False)
class Lane:
    """Requests that run one at a time in arrival order (asyncio.Lock wakes waiters FIFO).

    `abort_before`: tickets below it that have not started are answered `aborted` (a
    notebook's queued cells after an error, as Jupyter's `stop_on_error` asks)."""

    key: str
    lock: asyncio.Lock = attrs.field(factory=asyncio.Lock)
    issued: int = 0
    abort_before: int = 0
    users: int = 0


@attrs.define(eq=False)
class Request:
    """One shell request being served or waiting for its turn: what interrupts name."""

    msg_id: str
    session: str
    lane: Lane | None = None
    ticket: int = 0
    stop: threading.Event = attrs.field(factory=threading.Event)
    running: bool = False
    #: Its Lua state while a cell or script runs (stopped by `interrupt` too).
    runtime: Any = None

    def interrupt(self) -> None:
        self.stop.set()
        if self.runtime is not None:
            self.runtime.interrupt()


class Interrupted(Exception):
    """A KeyboardInterrupt that left a request's thread (it must not reach the event loop)."""


def in_thread(fn: Callable[[], T]) -> asyncio.Future[T]:
    """`fn()` in a new daemon thread, with the caller's context variables (the shell parent,
    so output goes to the right request), awaited on the event loop.

    Daemon threads rather than an executor: a shutdown must not wait for a generation.
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
        except BaseException as exc:  # a KeyboardInterrupt set on a future stops the loop
            loop.call_soon_threadsafe(settle, None, Interrupted(repr(exc)))
        else:
            loop.call_soon_threadsafe(settle, value, None)

    threading.Thread(target=work, name="llmspell-request", daemon=True).start()
    return future


class ConcurrentKernel(Kernel):
    """ipykernel's `Kernel`, plus `spawn` for handlers whose work may take long."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        #: Requests being served or waiting in a lane, by msg_id.
        self.requests: dict[str, Request] = {}
        self.lanes: dict[str, Lane] = {}
        self.last_activity = time.time()
        self._idle_owed: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Also route SIGINT (`kill -INT`, a terminal) to every running request."""
        super().start()
        signal.signal(signal.SIGINT, lambda signum, frame: self.interrupt_requests())

    def pre_handler_hook(self) -> None:
        """ipykernel makes SIGINT raise in the main thread around each handler; here the
        work runs in request threads and SIGINT interrupts them (`start`)."""

    def post_handler_hook(self) -> None:
        pass

    def request_ended(self) -> None:
        """Called on the event loop after each spawned request (its reply is sent)."""
        self.last_activity = time.time()

    def idle_for(self) -> float:
        return 0.0 if self.requests else time.time() - self.last_activity

    # -- serving ---------------------------------------------------------------------------

    def spawn(
        self,
        parent: Mapping[str, Any],
        handler: Handler,
        lane: str | None = None,
        on_abort: Callable[[], None] | None = None,
    ) -> Request:
        """Serve `handler` (which sends the reply) as a task, after the requests before it
        in `lane` when one is named, so the shell handler returns at once."""
        request = Request(parent["header"]["msg_id"], str(parent["header"].get("session", "")))
        if lane is not None:
            request.lane = self.lanes.setdefault(lane, Lane(lane))
            request.lane.users += 1
            request.lane.issued += 1
            request.ticket = request.lane.issued
        self.requests[request.msg_id] = request
        self._idle_owed.add(request.msg_id)
        task = asyncio.get_running_loop().create_task(
            self._serve(request, parent, handler, on_abort)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return request

    async def _serve(
        self,
        request: Request,
        parent: Mapping[str, Any],
        handler: Handler,
        on_abort: Callable[[], None] | None,
    ) -> None:
        lane = request.lane
        try:
            if lane is None:
                request.running = True
                await handler()
            else:
                async with lane.lock:
                    if on_abort is not None and request.ticket < lane.abort_before:
                        on_abort()
                    else:
                        request.running = True
                        await handler()
        except Exception:
            self.log.error("Exception in a request's handler:", exc_info=True)
        finally:
            if lane is not None:
                lane.users -= 1
                if not lane.users and self.lanes.get(lane.key) is lane:
                    del self.lanes[lane.key]
            self.requests.pop(request.msg_id, None)
            super()._publish_status("idle", "shell", parent)
            self.request_ended()

    def _publish_status(self, status: str, channel: str, parent: Any = None) -> None:
        """ipykernel says idle when a handler returns; a spawned request is idle when its
        work has ended (`_serve` says so then), which is what clients wait for."""
        if status == "idle" and channel == "shell":
            msg_id = (parent or self.get_parent("shell")).get("header", {}).get("msg_id")
            if msg_id in self._idle_owed:
                self._idle_owed.discard(msg_id)
                return
        super()._publish_status(status, channel, parent)

    def _abort_queues(self, subshell_id: str | None = None) -> None:
        """After a failed cell with `stop_on_error`, Jupyter aborts the cells queued behind
        it: here those of the same lane (the same client's), never other clients'."""
        request = self.requests.get(self.get_parent("shell").get("header", {}).get("msg_id"))
        if request is not None and request.lane is not None:
            request.lane.abort_before = request.lane.issued + 1

    # -- interrupts ------------------------------------------------------------------------

    def interrupt_requests(
        self, msg_id: str | None = None, session: str | None = None
    ) -> list[str]:
        """Interrupt the request `msg_id`, or every request of `session`, or (neither given)
        every running one; returns the msg_ids interrupted."""
        hit = []
        for request in list(self.requests.values()):
            if msg_id is not None:
                chosen = request.msg_id == msg_id
            elif session is not None:
                chosen = request.session == session
            else:
                chosen = request.running
            if chosen:
                request.interrupt()
                hit.append(request.msg_id)
        return hit

    async def interrupt_request(self, stream: Any, ident: Any, parent: Mapping[str, Any]) -> None:
        """`{"msg_id": ID}` stops that request, `{"session": S}` that client's requests,
        `{}` (Jupyter's interrupt button) every running request. No signal is sent."""
        content = parent.get("content") or {}
        msg_id, session = content.get("msg_id"), content.get("session")
        if any(v is not None and not isinstance(v, str) for v in (msg_id, session)):
            evalue = (
                "interrupt_request fields msg_id and session must be strings "
                "(or absent, to interrupt everything running)."
            )
            reply = {"status": "error", "ename": "BadInputError", "evalue": evalue,
                     "traceback": [], "exit_code": 2}  # fmt: skip
        else:
            reply = {"status": "ok", "interrupted": self.interrupt_requests(msg_id, session)}
        self.session.send(stream, "interrupt_reply", reply, parent, ident=ident)

    async def do_shutdown(self, restart: bool) -> dict[str, Any]:
        """Tell running work to stop (not waited for: request threads are daemons)."""
        self.interrupt_requests()
        return await super().do_shutdown(restart)
