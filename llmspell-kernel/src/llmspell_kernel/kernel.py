"""The kernel: ipykernel's wrapper-kernel base (`ipykernel.kernelbase.Kernel`) running
llmspell Lua, plus `model_request`.

Why that base: it already speaks the whole Jupyter protocol (signed messages, heartbeat,
control channel, interrupts, shutdown) and is what `jupyter_client`, `jupyter console` and
notebooks are tested against; we add only what is llmspell's. One `llmspell.Manager` lives
as long as the process, so every script, CLI call and notebook reuses the loaded models.
"""

from __future__ import annotations

import signal
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import attrs
import llmspell
from ipykernel.kernelbase import Kernel

from . import KERNEL_NAME, __version__, lua_tools, registry, service

#: Lua states kept for clients that are not isolated (notebooks, `jupyter console`).
_MAX_SESSIONS = 16


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
    """The kernel's manager; remembers which models its agents use (for `kernel status`)."""

    def __init__(self) -> None:
        super().__init__()
        self.used: list[str] = []

    def agent(self, spec: Any, **kwargs: Any) -> llmspell.Agent:
        agent = super().agent(spec, **kwargs)
        if agent.model not in self.used:
            self.used.append(agent.model)
        return agent


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
        self.runtimes: OrderedDict[str, Any] = OrderedDict()
        self._stream_parent: Mapping[str, Any] = {}
        self.last_activity = time.time()

    # -- output ----------------------------------------------------------------

    def _publish_stream(self, name: str, text: str) -> None:
        if not text:
            return
        self.session.send(
            self.iopub_socket,
            "stream",
            {"name": name, "text": text},
            parent=self._stream_parent,
            ident=self._topic(f"stream.{name}"),
        )

    def _finish_request(self) -> None:
        self.last_activity = time.time()
        record = self.settings.record
        if record is not None:
            self.settings.record = attrs.evolve(
                record, loaded_models=tuple(self.manager.used), last_activity=self.last_activity
            )
            registry.save(self.settings.record)

    # -- Lua -------------------------------------------------------------------

    def _new_runtime(self, max_memory: int | None = None) -> Any:
        from llmspell_lua.runtime import ScriptRuntime

        return ScriptRuntime(
            self.manager,
            allow_unsafe=self.settings.allow_unsafe,
            max_memory=self.settings.max_memory if max_memory is None else max_memory,
            output=self._publish_stream,
        )

    def _runtime(self, parent: Mapping[str, Any], options: Mapping[str, Any]) -> Any:
        """A fresh Lua state for an isolated request (`llmspell run --connect`), else the
        asking client's own, so a notebook's globals live from one cell to the next."""
        if options.get("isolated"):
            return self._new_runtime(options.get("max_memory"))
        session = parent.get("header", {}).get("session", "")
        runtime = self.runtimes.get(session)
        if runtime is None:
            runtime = self._new_runtime()
            self.runtimes[session] = runtime
            while len(self.runtimes) > _MAX_SESSIONS:
                self.runtimes.popitem(last=False)
        self.runtimes.move_to_end(session)
        return runtime

    def _run(self, runtime: Any, code: str, chunkname: str, script: str, args: list[str]) -> Any:
        """Run with SIGINT (`interrupt_request`, or a signal) stopping the script: the flag
        stops pure Lua at the next hook, KeyboardInterrupt stops a generation in Python."""

        def on_sigint(signum: int, frame: Any) -> None:
            runtime.interrupt()
            if runtime.in_python:
                raise KeyboardInterrupt

        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            return runtime.run(code, chunkname, script, args)
        finally:
            signal.signal(signal.SIGINT, previous)

    def _scratch(self) -> Any:
        """The Lua state of the client asking (for completion), made on first use."""
        return self._runtime(self.get_parent("shell"), {})

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
        """Run a cell. Metadata `llmspell` (sent by the CLI) carries `chunkname`, `script`,
        `args` and `isolated` (a fresh Lua state, as `llmspell run` gets)."""
        parent = self.get_parent("shell")
        self._stream_parent = parent
        options = (parent.get("metadata") or {}).get("llmspell") or {}
        chunkname = str(options.get("chunkname") or "=(cell)")
        script = str(options.get("script") or "cell")
        args = [str(a) for a in options.get("args") or ()]
        try:
            runtime = self._runtime(parent, options)
            outcome = self._run(runtime, code, chunkname, script, args)
        except KeyboardInterrupt:
            return self._error("KeyboardInterrupt", "Interrupted.", 130)
        except llmspell.LlmspellError as exc:
            return self._error(type(exc).__name__, exc.message, exc.exit_code)
        except Exception as exc:
            return self._error(type(exc).__name__, f"{type(exc).__name__}: {exc}", 1)
        finally:
            self._finish_request()
        if getattr(outcome, "stopped", None) == "interrupt":
            return self._error("KeyboardInterrupt", "Interrupted.", outcome.exit_code)
        if outcome.error is not None:
            return self._error("LuaError", outcome.error, outcome.exit_code)
        return {
            "status": "ok",
            "execution_count": self.execution_count,
            "payload": [],
            "user_expressions": {},
            "llmspell": {"exit_code": outcome.exit_code},
        }

    def _error(self, ename: str, evalue: str, exit_code: int) -> dict[str, Any]:
        content = {"ename": ename, "evalue": evalue, "traceback": [evalue]}
        self.session.send(
            self.iopub_socket, "error", content, parent=self._stream_parent,
            ident=self._topic("error"),
        )  # fmt: skip
        return {
            "status": "error",
            "execution_count": self.execution_count,
            **content,
            "llmspell": {"exit_code": exit_code},
        }

    async def do_complete(self, code: str, cursor_pos: int) -> dict[str, Any]:
        return lua_tools.complete(self._scratch(), code, cursor_pos)

    async def do_is_complete(self, code: str) -> dict[str, Any]:
        return lua_tools.is_complete(self._scratch(), code)

    # -- models ----------------------------------------------------------------

    async def model_request(self, stream: Any, ident: Any, parent: Mapping[str, Any]) -> None:
        """`llmspell model ...` as a message; pull progress goes out as iopub `model_progress`."""
        self._stream_parent = parent

        def progress(event: llmspell.PullProgress) -> None:
            self.session.send(
                self.iopub_socket, "model_progress", event.to_dict(), parent=parent,
                ident=self._topic("model_progress"),
            )  # fmt: skip

        try:
            content = parent.get("content")
            if not isinstance(content, Mapping):
                raise llmspell.BadInputError("model_request content must be an object.")
            reply = service.reply(self.manager, content, progress)
        except llmspell.LlmspellError as exc:
            reply = service.error(type(exc).__name__, exc.message, exc.exit_code)
        except KeyboardInterrupt:
            reply = service.error(
                "KeyboardInterrupt",
                "Pull interrupted. What was downloaded is kept: run the same command to resume.",
                130,
            )
        except Exception as exc:
            reply = service.error(
                type(exc).__name__,
                f"unexpected failure ({type(exc).__name__}: {exc}). This is a bug in llmspell "
                "or a plugin.",
            )
        finally:
            self._finish_request()
        self.session.send(stream, "model_reply", reply, parent, ident)

    # -- agents (chat --connect) -------------------------------------------------

    async def agent_request(self, stream: Any, ident: Any, parent: Mapping[str, Any]) -> None:
        """One chat turn on the kernel's model: `{"model", "system_prompt", "params",
        "history", "text"}`; without `text` it only checks (and loads) the model. The text
        streams as iopub `stream` messages; the reply has the `CompletionResult` dict."""
        self._stream_parent = parent
        try:
            reply = self._agent_turn(parent.get("content") or {})
        except llmspell.LlmspellError as exc:
            reply = service.error(type(exc).__name__, exc.message, exc.exit_code)
        except KeyboardInterrupt:
            reply = service.error("KeyboardInterrupt", "Interrupted.", 130)
        except Exception as exc:
            reply = service.error(type(exc).__name__, f"{type(exc).__name__}: {exc}")
        finally:
            self._finish_request()
        self.session.send(stream, "agent_reply", reply, parent, ident)

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

    def idle_for(self) -> float:
        return time.time() - self.last_activity
