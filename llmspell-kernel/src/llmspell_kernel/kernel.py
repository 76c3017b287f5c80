"""The kernel: ipykernel's wrapper-kernel base (`ipykernel.kernelbase.Kernel`, through
`concurrency.ConcurrentKernel`) running llmspell Lua, plus `model_request` and
`agent_request`.

Why that base: it already speaks the whole Jupyter protocol (signed messages, heartbeat,
control channel, shutdown) and is what `jupyter_client`, `jupyter console` and notebooks
are tested against; we add only what is llmspell's. One `llmspell.Manager` lives as long
as the process, so every script, CLI call and notebook reuses the loaded models, and
clients' requests run side by side (`concurrency.py`) so their generations share batches.
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import llmspell
from ipykernel.kernelbase import Kernel

from . import KERNEL_NAME, __version__, lua_tools, registry, service
from .concurrency import ConcurrentKernel, Interrupted, Request, in_thread
from .interrupts import STOPPING, Interruptible, checked

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


@attrs.define(eq=False)
class LuaState:
    """A Lua runtime and the request using it: a notebook session's, kept between cells,
    or a fresh one for an isolated request (`llmspell run --connect`)."""

    runtime: Any = None
    request: Request | None = None

    def stopping(self) -> bool:
        return self.request is not None and self.request.stop.is_set()


class LlmspellKernel(ConcurrentKernel):
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

    def request_ended(self) -> None:
        """Record the loaded models and the time (`kernel status` shows them)."""
        super().request_ended()
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
        self.spawn(
            parent,
            functools.partial(Kernel.execute_request, self, stream, ident, parent),
            lane,
            functools.partial(self._send_abort_reply, stream, parent, ident),
        )

    async def complete_request(self, stream: Any, ident: Any, parent: Mapping[str, Any]) -> None:
        handler = functools.partial(Kernel.complete_request, self, stream, ident, parent)
        self.spawn(parent, handler, self._lua_lane(parent))

    async def is_complete_request(self, stream: Any, ident: Any, parent: Mapping[str, Any]) -> None:
        handler = functools.partial(Kernel.is_complete_request, self, stream, ident, parent)
        self.spawn(parent, handler, self._lua_lane(parent))

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
        return state.runtime.run(code, chunkname, script, args, stopped=request.stop.is_set)

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
        self.spawn(parent, functools.partial(self._reply, stream, ident, parent, work), lane)

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
        self.spawn(parent, functools.partial(self._reply, stream, ident, parent, work))

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
