"""The kernel: ipykernel's wrapper-kernel base (`ipykernel.kernelbase.Kernel`) running
llmspell Lua, plus `model_request` and `agent_request`.

Why that base: it already speaks the whole Jupyter protocol (signed messages, heartbeat,
control channel, shutdown) and is what `jupyter_client`, `jupyter console` and notebooks
are tested against; we add only what is llmspell's. One `llmspell.Manager` lives as long
as the process, so every script, CLI call and notebook reuses the loaded models.

Several clients at once: ipykernel dispatches shell requests one at a time, so every
request that may take long is started by `_spawn` in a thread of its own (`inflight.py`)
and its handler returns at once; the thread's work ends with the reply and the request's
own idle status. Two clients' generations therefore overlap and share the model's batches.
"""

from __future__ import annotations

import asyncio
import functools
import signal
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs
import llmspell
from ipykernel.kernelbase import Kernel

from . import KERNEL_NAME, __version__, lua_tools, registry, service
from .inflight import (
    STOPPING,
    Interrupted,
    Interruptible,
    Lane,
    Lanes,
    LuaState,
    Request,
    checked,
    in_thread,
)

#: Lua states kept for clients that are not isolated (notebooks, `jupyter console`).
_MAX_SESSIONS = 16
#: model_request commands that change the model store: they run one at a time, in order.
_STORE_COMMANDS = ("pull", "remove")


@attrs.define
class Settings:
    """Chosen at kernel start, for the kernel's whole life."""

    kernel_id: str = "kernel"
    allow_unsafe: bool = False
    max_memory: int | None = None
    idle_timeout: float | None = None
    record: registry.KernelRecord | None = None


SETTINGS = Settings()


class _Manager(llmspell.Manager):
    """The kernel's manager: remembers which models its agents use (for `kernel status`),
    and ties agents and pulls to the request that made them, so an interrupt stops them."""

    def __init__(self) -> None:
        super().__init__()
        self.used: list[str] = []

    def agent(self, spec: Any, **kwargs: Any) -> llmspell.Agent:
        agent = super().agent(spec, **kwargs)
        if agent.model not in self.used:
            self.used.append(agent.model)
        stopping = STOPPING.get()
        if stopping is not None:
            agent.generator = Interruptible(agent.generator, stopping)
        return agent

    def pull(self, spec: Any, *, progress: Any = None, **kwargs: Any) -> llmspell.PullResult:
        stopping = STOPPING.get()
        if stopping is not None:
            progress = checked(progress, stopping)
        return super().pull(spec, progress=progress, **kwargs)


def _session(parent: Mapping[str, Any]) -> str:
    return str(parent.get("header", {}).get("session", ""))


def _options(parent: Mapping[str, Any]) -> Mapping[str, Any]:
    """The metadata `llmspell` the CLI sends with execute_request (docs/kernel.md)."""
    options = (parent.get("metadata") or {}).get("llmspell") or {}
    return options if isinstance(options, Mapping) else {}


class LlmspellKernel(Kernel):
    implementation = KERNEL_NAME
    implementation_version = __version__
    banner = f"llmspell {__version__} kernel: Lua 5.4 with LocalLLM and Agent"
    language_info = {  # noqa: RUF012 - ipykernel reads it as a class attribute
        "name": "lua",
        "version": "5.4",
        "mimetype": "text/x-lua",
        "file_extension": ".lua",
        "codemirror_mode": "lua",
        "pygments_lexer": "lua",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shell_handlers["model_request"] = self.model_request
        self.shell_handlers["agent_request"] = self.agent_request
        self.manager = _Manager()
        self.manager.on_note = lambda note: self._publish_stream("stderr", f"Note: {note}\n")
        self.settings = SETTINGS
        self.sessions: OrderedDict[str, LuaState] = OrderedDict()
        #: Requests being served or waiting in a lane, by msg_id (what interrupts name).
        self.requests: dict[str, Request] = {}
        self.lanes = Lanes()
        self._idle_owed: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.last_activity = time.time()

    def start(self) -> None:
        """Also route SIGINT (`kill -INT`, a terminal) to every running request."""
        super().start()
        signal.signal(signal.SIGINT, lambda signum, frame: self.interrupt_requests())

    def pre_handler_hook(self) -> None:
        """ipykernel makes SIGINT raise in the main thread around each handler; here work
        runs in request threads and SIGINT interrupts them (`start`)."""

    def post_handler_hook(self) -> None:
        pass

    # -- requests in flight ------------------------------------------------------------

    def _spawn(
        self,
        parent: Mapping[str, Any],
        lane_key: str | None,
        handler: Callable[[], Awaitable[None]],
        on_abort: Callable[[], None] | None = None,
    ) -> None:
        """Serve `handler` (which sends the reply) as a task, in `lane_key`'s order when
        given, so the shell handler returns and the next request is dispatched at once."""
        request = Request(parent["header"]["msg_id"], _session(parent))
        self.requests[request.msg_id] = request
        self._idle_owed.add(request.msg_id)
        lane = self.lanes.join(lane_key) if lane_key else None
        task = asyncio.get_running_loop().create_task(
            self._serve(request, parent, lane_key, lane, handler, on_abort)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _serve(
        self,
        request: Request,
        parent: Mapping[str, Any],
        lane_key: str | None,
        lane: tuple[Lane, int] | None,
        handler: Callable[[], Awaitable[None]],
        on_abort: Callable[[], None] | None,
    ) -> None:
        try:
            if lane is None:
                request.running = True
                await handler()
            else:
                queue, ticket = lane
                async with queue.lock:
                    if on_abort is not None and ticket < queue.abort_before:
                        on_abort()
                    else:
                        request.running = True
                        await handler()
        except Exception:
            self.log.error("Exception in a request's handler:", exc_info=True)
        finally:
            if lane is not None:
                self.lanes.leave(lane_key or "", lane[0])
            self.requests.pop(request.msg_id, None)
            super()._publish_status("idle", "shell", parent)
            self._finish_request()

    def _publish_status(self, status: str, channel: str, parent: Any = None) -> None:
        """ipykernel says idle when a handler returns; a spawned request is idle only when
        its work ends (`_serve` says so), which is what clients wait for."""
        if status == "idle" and channel == "shell":
            msg_id = (parent or self.get_parent("shell")).get("header", {}).get("msg_id")
            if msg_id in self._idle_owed:
                self._idle_owed.discard(msg_id)
                return
        super()._publish_status(status, channel, parent)

    def _abort_queues(self, subshell_id: str | None = None) -> None:
        """After a failed cell with `stop_on_error`, Jupyter aborts the cells queued behind
        it: here the same session's queued cells only, never other clients' requests."""
        parent = self.get_parent("shell")
        lane = self.lanes.lanes.get(self._lua_lane(parent))
        if lane is not None and not _options(parent).get("isolated"):
            lane.abort_before = lane.issued + 1

    def interrupt_requests(self, msg_id: str | None = None, session: str | None = None) -> list:
        """Interrupt the request `msg_id`, or every request of `session`, or (neither given)
        every running request; returns the msg_ids interrupted."""
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
        `{}` (Jupyter's interrupt button) every running request. No signal is sent: the
        requests' own threads stop (`inflight.py`)."""
        content = parent.get("content") or {}
        msg_id, session = content.get("msg_id"), content.get("session")
        if any(v is not None and not isinstance(v, str) for v in (msg_id, session)):
            reply = service.error(
                "BadInputError",
                "interrupt_request fields msg_id and session must be strings "
                "(or absent, to interrupt everything running).",
                2,
            )
        else:
            reply = {"status": "ok", "interrupted": self.interrupt_requests(msg_id, session)}
        self.session.send(stream, "interrupt_reply", reply, parent, ident=ident)

    def _finish_request(self) -> None:
        self.last_activity = time.time()
        record = self.settings.record
        if record is not None:
            self.settings.record = attrs.evolve(
                record, loaded_models=tuple(self.manager.used), last_activity=self.last_activity
            )
            registry.save(self.settings.record)

    # -- output ----------------------------------------------------------------

    def _publish_stream(self, name: str, text: str) -> None:
        """To the request whose thread is writing (ipykernel's shell parent is a context
        variable, copied into each request's thread)."""
        if not text:
            return
        self.session.send(
            self.iopub_socket,
            "stream",
            {"name": name, "text": text},
            parent=self.get_parent("shell"),
            ident=self._topic(f"stream.{name}"),
        )

    # -- Lua -------------------------------------------------------------------

    def _new_runtime(self, max_memory: int | None = None) -> Any:
        from llmspell_lua.runtime import ScriptRuntime

        return ScriptRuntime(
            self.manager,
            allow_unsafe=self.settings.allow_unsafe,
            max_memory=self.settings.max_memory if max_memory is None else max_memory,
            output=self._publish_stream,
        )

    def _lua_lane(self, parent: Mapping[str, Any]) -> str:
        return "lua:" + _session(parent)

    def _lua_state(self, parent: Mapping[str, Any], options: Mapping[str, Any]) -> LuaState:
        """A fresh Lua state for an isolated request (`llmspell run --connect`), else the
        asking client's own, so a notebook's globals live from one cell to the next."""
        if options.get("isolated"):
            return LuaState()
        session = _session(parent)
        state = self.sessions.get(session)
        if state is None:
            state = self.sessions[session] = LuaState()
            while len(self.sessions) > _MAX_SESSIONS:
                self.sessions.popitem(last=False)
        self.sessions.move_to_end(session)
        return state

    def _scratch(self) -> Any:
        """The Lua state of the client asking (for completion), made on first use; its
        session's lane is held, so no cell uses it meanwhile."""
        state = self._lua_state(self.get_parent("shell"), {})
        if state.runtime is None:
            state.runtime = self._new_runtime()
        return state.runtime

    async def execute_request(self, stream: Any, ident: Any, parent: Mapping[str, Any]) -> None:
        """Isolated requests run at once; a session's cells in its lane, in order."""
        lane = None if _options(parent).get("isolated") else self._lua_lane(parent)
        self._spawn(
            parent,
            lane,
            functools.partial(Kernel.execute_request, self, stream, ident, parent),
            functools.partial(self._send_abort_reply, stream, parent, ident),
        )

    async def complete_request(self, stream: Any, ident: Any, parent: Mapping[str, Any]) -> None:
        handler = functools.partial(Kernel.complete_request, self, stream, ident, parent)
        self._spawn(parent, self._lua_lane(parent), handler)

    async def is_complete_request(self, stream: Any, ident: Any, parent: Mapping[str, Any]) -> None:
        handler = functools.partial(Kernel.is_complete_request, self, stream, ident, parent)
        self._spawn(parent, self._lua_lane(parent), handler)

    async def do_execute(
        self,
        code: str,
        silent: bool,
        store_history: bool = True,
        user_expressions: Any = None,
        allow_stdin: bool = False,
        *,
        cell_meta: Any = None,
        cell_id: Any = None,
    ) -> dict[str, Any]:
        """Run a cell in its request's thread. Metadata `llmspell` (sent by the CLI) carries
        `chunkname`, `script`, `args` and `isolated` (a fresh Lua state, as `llmspell run`
        gets)."""
        count = self.execution_count  # this request's: others may start before it ends
        parent = self.get_parent("shell")
        request = self.requests[parent["header"]["msg_id"]]
        options = _options(parent)
        state = self._lua_state(parent, options)
        run = functools.partial(
            self._run,
            request,
            state,
            code,
            str(options.get("chunkname") or "=(cell)"),
            str(options.get("script") or "cell"),
            [str(a) for a in options.get("args") or ()],
            options.get("max_memory"),
        )
        try:
            outcome = await in_thread(run)
        except Interrupted:
            return self._error(parent, count, "KeyboardInterrupt", "Interrupted.", 130)
        except llmspell.LlmspellError as exc:
            return self._error(parent, count, type(exc).__name__, exc.message, exc.exit_code)
        except Exception as exc:
            name = type(exc).__name__
            return self._error(parent, count, name, f"{name}: {exc}", 1)
        if getattr(outcome, "stopped", None) == "interrupt":
            return self._error(parent, count, "KeyboardInterrupt", "Interrupted.", 130)
        if outcome.error is not None:
            return self._error(parent, count, "LuaError", outcome.error, outcome.exit_code)
        return {
            "status": "ok",
            "execution_count": count,
            "payload": [],
            "user_expressions": {},
            "llmspell": {"exit_code": outcome.exit_code},
        }

    def _run(
        self,
        request: Request,
        state: LuaState,
        code: str,
        chunkname: str,
        script: str,
        args: list[str],
        max_memory: int | None,
    ) -> Any:
        """In the request's thread: the state's agents answer to this request from now on."""
        from llmspell_lua.runtime import INTERRUPTED, Outcome

        state.request = request
        STOPPING.set(state.stopping)
        if state.runtime is None:
            state.runtime = self._new_runtime(max_memory)
        request.runtime = state.runtime
        if request.stop.is_set():  # interrupted while it waited for its turn
            return Outcome(INTERRUPTED, "Interrupted.", stopped="interrupt")
        return state.runtime.run(code, chunkname, script, args)

    def _error(
        self, parent: Mapping[str, Any], count: int, ename: str, evalue: str, exit_code: int
    ) -> dict[str, Any]:
        content = {"ename": ename, "evalue": evalue, "traceback": [evalue]}
        self.session.send(
            self.iopub_socket, "error", content, parent=parent, ident=self._topic("error")
        )
        return {
            "status": "error",
            "execution_count": count,
            **content,
            "llmspell": {"exit_code": exit_code},
        }

    async def do_complete(self, code: str, cursor_pos: int) -> dict[str, Any]:
        return lua_tools.complete(self._scratch(), code, cursor_pos)

    async def do_is_complete(self, code: str) -> dict[str, Any]:
        return lua_tools.is_complete(self._scratch(), code)

    # -- models ----------------------------------------------------------------

    async def model_request(self, stream: Any, ident: Any, parent: Mapping[str, Any]) -> None:
        """`llmspell model ...` as a message; pull progress goes out as iopub `model_progress`.
        Reads (list, info, status, available) run at once; pulls and removes in order."""
        content = parent.get("content")
        command = content.get("command") if isinstance(content, Mapping) else None
        lane = "models" if command in _STORE_COMMANDS else None
        work = functools.partial(self._model_command, parent)
        self._spawn(parent, lane, functools.partial(self._reply, stream, ident, parent, work))

    def _model_command(self, parent: Mapping[str, Any]) -> dict[str, Any]:
        def progress(event: llmspell.PullProgress) -> None:
            self.session.send(
                self.iopub_socket, "model_progress", event.to_dict(), parent=parent,
                ident=self._topic("model_progress"),
            )  # fmt: skip

        content = parent.get("content")
        if not isinstance(content, Mapping):
            raise llmspell.BadInputError("model_request content must be an object.")
        return service.reply(self.manager, content, progress)

    async def _reply(
        self,
        stream: Any,
        ident: Any,
        parent: Mapping[str, Any],
        work: Callable[[], dict[str, Any]],
    ) -> None:
        """Run `work` in the request's thread and send its reply (`model_reply` for a
        `model_request`...), or the error reply the CLI would print."""
        request = self.requests[parent["header"]["msg_id"]]
        msg_type = parent["header"]["msg_type"].replace("_request", "_reply")

        def guarded() -> dict[str, Any]:
            STOPPING.set(request.stop.is_set)
            try:
                return work()
            except llmspell.LlmspellError as exc:
                return service.error(type(exc).__name__, exc.message, exc.exit_code)
            except KeyboardInterrupt:
                return service.error("KeyboardInterrupt", self._interrupted(msg_type), 130)
            except Exception as exc:
                return service.error(
                    type(exc).__name__,
                    f"unexpected failure ({type(exc).__name__}: {exc}). This is a bug in "
                    "llmspell or a plugin.",
                )

        reply = await in_thread(guarded)
        self.session.send(stream, msg_type, reply, parent, ident)

    @staticmethod
    def _interrupted(msg_type: str) -> str:
        if msg_type == "model_reply":
            return "Pull interrupted. What was downloaded is kept: run the same command to resume."
        return "Interrupted."

    # -- agents (chat --connect) -------------------------------------------------

    async def agent_request(self, stream: Any, ident: Any, parent: Mapping[str, Any]) -> None:
        """One chat turn on the kernel's model: `{"model", "system_prompt", "params",
        "history", "text"}`; without `text` it only checks (and loads) the model. The text
        streams as iopub `stream` messages; the reply has the `CompletionResult` dict."""
        content = parent.get("content") or {}
        work = functools.partial(self._agent_turn, content)
        self._spawn(parent, None, functools.partial(self._reply, stream, ident, parent, work))

    def _agent_turn(self, content: Mapping[str, Any]) -> dict[str, Any]:
        from llmspell import GenerationParams, Message

        model = content.get("model")
        if not isinstance(model, str) or not model.strip():
            raise llmspell.BadInputError("agent_request needs a model spec.")
        try:
            params = GenerationParams(**(content.get("params") or {}))
        except TypeError as exc:
            raise llmspell.BadInputError(f"agent_request params: {exc}.") from None
        agent = self.manager.agent(
            model,
            system_prompt=content.get("system_prompt"),
            params=params,
            name=str(content.get("name") or "agent"),
        )
        agent.history = [Message(m["role"], m["content"]) for m in content.get("history") or []]
        text = content.get("text")
        if text is None:
            return {"status": "ok", "model": agent.model}
        result = None
        for chunk in agent.stream(str(text)):
            self._publish_stream("stdout", chunk.text)
            if chunk.done:
                result = chunk.result
        if result is None:
            raise llmspell.InferenceError("The model's stream ended without a result.")
        return {"status": "ok", "model": agent.model, "result": result.to_dict()}

    # -- lifecycle -------------------------------------------------------------

    async def do_shutdown(self, restart: bool) -> dict[str, Any]:
        """Stop running work first (up to 2 s), so no generation is cut by the exit."""
        self.interrupt_requests()
        deadline = time.monotonic() + 2
        while self.requests and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return await super().do_shutdown(restart)

    def idle_for(self) -> float:
        return 0.0 if self.requests else time.time() - self.last_activity
