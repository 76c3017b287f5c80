"""A Lua 5.4 interpreter (lupa) with llmspell's globals, the sandbox and the script driver.

One `ScriptRuntime` runs one script against one `llmspell.Manager`, so every agent in the
script shares that manager's backends and a model is loaded once however many agents use it.
Scripts talk to the real stdin/stdout through Lua's own `io` library; stdout is unbuffered
so streamed text appears as it is written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib import resources
from typing import Any

import attrs
import llmspell

from .agents import AgentBridge
from .convert import guarded, to_lua
from .local_llm import LocalLLMBridge


@attrs.frozen
class Outcome:
    """How a script ended: its exit code and, after an error, the Lua message."""

    exit_code: int
    error: str | None = None


def _deny_attributes(obj: Any, name: Any, is_setting: bool) -> Any:
    raise AttributeError("Python attributes are not reachable from llmspell scripts")


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _lua_source(name: str) -> str:
    return resources.files("llmspell_lua").joinpath("lua", name).read_text(encoding="utf-8")


def script_args(tokens: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """Split script arguments into positional ones and `--name value` / `--name=value` pairs.

    A `--flag` followed by another option or by nothing is "true"; `--` ends option parsing.
    """
    positional: list[str] = []
    named: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "--":
            positional += tokens[i + 1 :]
            break
        if token.startswith("--") and len(token) > 2:
            key, eq, value = token[2:].partition("=")
            if eq:
                named[key] = value
            elif i + 1 < len(tokens) and not tokens[i + 1].startswith("--"):
                named[key] = tokens[i + 1]
                i += 1
            else:
                named[key] = "true"
        else:
            positional.append(token)
        i += 1
    return positional, named


class ScriptRuntime:
    """One Lua state with llmspell's globals; `run_file` / `run_code` run a main chunk in it."""

    def __init__(self, manager: llmspell.Manager | None = None, *, allow_unsafe: bool = False):
        from lupa import lua54

        self.manager = manager if manager is not None else llmspell.Manager()
        self.allow_unsafe = allow_unsafe
        self.lua = lua54.LuaRuntime(
            unpack_returned_tuples=True,
            register_eval=False,
            register_builtins=False,
            attribute_filter=_deny_attributes,
        )
        self.local_llm = LocalLLMBridge(self.manager, self.lua)
        self.agents = AgentBridge(self.manager)
        functions = {
            "status": self.local_llm.status,
            "list": self.local_llm.list,
            "pull": self.local_llm.pull,
            "info": self.local_llm.info,
            "remove": self.local_llm.remove,
            "available": self.local_llm.available,
            "agent_create": self.agents.create,
            "agent_execute": self.agents.execute,
            "agent_complete": self.agents.complete,
            "agent_reset": self.agents.reset,
            "agent_history": self.agents.history,
            "stream_open": self.agents.stream_open,
            "stream_next": self.agents.stream_next,
            "stream_close": self.agents.stream_close,
        }
        py = self.lua.table_from({k: guarded(self.lua, f) for k, f in functions.items()})
        self._driver = self._load("prelude.lua")(py)
        self.lua.globals().llmspell = to_lua(
            self.lua,
            {
                "version": llmspell.__version__,
                "sandboxed": not allow_unsafe,
                "stdin_is_tty": _isatty(0),
                "stdout_is_tty": _isatty(1),
            },
        )
        if not allow_unsafe:
            self._load("sandbox.lua")()
        self.lua.execute("io.stdout:setvbuf('no')")

    def _load(self, name: str) -> Any:
        load = self.lua.globals().load
        loaded = load(_lua_source(name), f"=llmspell/{name}", "t")
        if isinstance(loaded, tuple):  # (nil, message): the bundled sources are tested
            raise RuntimeError(loaded[1])
        return loaded

    def globals(self) -> Any:
        """The script's global table (tests use it to plant probes)."""
        return self.lua.globals()

    def run(
        self, source: str | bytes, chunkname: str, script: str, args: Sequence[str] = ()
    ) -> Outcome:
        """Run `source` as a main chunk called `chunkname`; `script` becomes `arg[0]`."""
        if isinstance(source, str):
            source = source.encode("utf-8")
        if source.startswith(b"#"):  # a shebang line, as the standalone lua skips it
            source = b"--" + source
        positional, named = script_args(args)
        argv = to_lua(self.lua, {0: script, **dict(enumerate(args, start=1))})
        args_global = to_lua(self.lua, {0: script, **dict(enumerate(positional, 1)), **named})
        sys.stdout.flush()
        status, value = self._driver.run(source, chunkname, argv, args_global)
        if status == "ok":
            return Outcome(0)
        if status == "exit":
            return Outcome(int(value))
        if isinstance(value, BaseException):  # KeyboardInterrupt and friends
            raise value
        return Outcome(1, value if isinstance(value, str) else str(value))

    def run_file(self, path: str, args: Sequence[str] = ()) -> Outcome:
        with open(path, "rb") as f:
            source = f.read()
        return self.run(source, "@" + path, path, args)

    def run_code(self, code: str, args: Sequence[str] = ()) -> Outcome:
        return self.run(code, "=(exec)", "exec", args)
