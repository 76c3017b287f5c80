"""A Lua 5.4 interpreter (lupa) with llmspell's globals, the sandbox and the script driver.

One `ScriptRuntime` runs scripts against one `llmspell.Manager`, so every agent in a script
shares that manager's backends and a model is loaded once however many agents use it.
Front ends other than the CLI (the Jupyter kernel) create one with an `output` sink, run
cells with `run_code`, and call `interrupt()` from any thread to stop the running one.

Safety does not rest on Lua code a script can reach: lupa runs with `register_eval=False`,
`register_builtins=False` and an attribute filter that refuses every attribute; Python
functions are reached only through the prelude's private references and always answer
with plain values; a count hook polls `interrupt()`'s flag; the Lua heap has a limit.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from importlib import resources
from typing import Any

import attrs
import llmspell
from llmspell import BadInputError

from . import batch
from .agents import AgentBridge
from .convert import guarded, to_lua
from .local_llm import LocalLLMBridge
from .policy import checked_pull

#: The sandbox's Lua heap limit unless `--max-memory` or `[lua] max_memory` says otherwise.
DEFAULT_MAX_MEMORY = 256 * 1024 * 1024
#: Lua instructions between two polls of the interrupt flag (about 0.1 ms of Lua work).
HOOK_INTERVAL = 10_000
INTERRUPTED = 130
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}

Output = Callable[[str, str], None]


@attrs.frozen
class Outcome:
    """How a script ended: its exit code, the message after an error, and why it stopped
    early (`"exit"`, `"interrupt"` or `"memory"`; None when it ran to its end or failed)."""

    exit_code: int
    error: str | None = None
    stopped: str | None = None


def _deny_attributes(obj: Any, name: Any, is_setting: bool) -> Any:
    raise AttributeError("Python attributes are not reachable from llmspell scripts")


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _lua_source(name: str) -> str:
    return resources.files("llmspell_lua").joinpath("lua", name).read_text(encoding="utf-8")


def parse_size(value: Any, where: str = "--max-memory") -> int:
    """Bytes from `256M`, `1G`, `512k`, `1000000` (binary units; 0 means no limit)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    text = value if isinstance(value, str) else ""
    match = re.fullmatch(r"\s*(\d+)\s*([kKmMgG]?)(i?[bB])?\s*", text)
    if not match:
        raise BadInputError(
            f"{where} takes a size such as 256M, 1G or 500000000 (bytes), got {value!r}."
        )
    return int(match[1]) * _UNITS[match[2].lower()]


def describe_size(size: int) -> str:
    for unit, scale in (("G", 1 << 30), ("M", 1 << 20), ("k", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale}{unit}"
    return f"{size} bytes"


def configured_max_memory(manager: llmspell.Manager) -> int:
    """`max_memory` from the config's `[lua]` table, else the default."""
    table = getattr(manager.config, "lua", None) or {}
    if "max_memory" not in table:
        return DEFAULT_MAX_MEMORY
    source = manager.config.source
    return parse_size(table["max_memory"], f"max_memory under [lua] in {source}")


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
    """One Lua state with llmspell's globals; `run_file` / `run_code` run a main chunk in it.

    `max_memory` bounds the Lua heap in bytes (0: no limit; None: the configured limit when
    sandboxed, none with `allow_unsafe`). `output(stream, text)`, when given, receives what
    `print`, `io.write` and `io.stdout`/`io.stderr` write ("stdout" or "stderr") instead of
    the process's streams. Globals persist between runs, as cells of a notebook expect.
    """

    def __init__(
        self,
        manager: llmspell.Manager | None = None,
        *,
        allow_unsafe: bool = False,
        max_memory: int | None = None,
        output: Output | None = None,
    ):
        from lupa import lua54

        self.manager = manager if manager is not None else llmspell.Manager()
        self.allow_unsafe = allow_unsafe
        if max_memory is None:
            max_memory = 0 if allow_unsafe else configured_max_memory(self.manager)
        self.max_memory = max_memory
        self._stop: str | None = None
        self._stopped: Callable[[], bool] | None = None
        #: >0 while a bridge function runs Python code (Ctrl-C may raise KeyboardInterrupt).
        self.in_python = 0
        self.lua = lua54.LuaRuntime(
            unpack_returned_tuples=True,
            register_eval=False,
            register_builtins=False,
            attribute_filter=_deny_attributes,
            max_memory=max_memory or None,
        )
        self.local_llm = LocalLLMBridge(self.manager, self.lua)
        self.agents = AgentBridge(self.manager, sandboxed=not allow_unsafe)
        pull = self.local_llm.pull if allow_unsafe else checked_pull(self.manager, self.local_llm)
        functions = {
            "status": self.local_llm.status,
            "list": self.local_llm.list,
            "pull": pull,
            "info": self.local_llm.info,
            "remove": self.local_llm.remove,
            "available": self.local_llm.available,
            "agent_create": self.agents.create,
            "agent_execute": self.agents.execute,
            "agent_complete": self.agents.complete,
            "agent_reset": self.agents.reset,
            "agent_history": self.agents.history,
            # perf (#16): several agents at once, batched by the backend (batch.py).
            "agent_execute_many": functools.partial(batch.execute_many, self.agents),
            "stream_open": self.agents.stream_open,
            "stream_next": self.agents.stream_next,
            "stream_close": self.agents.stream_close,
            "release": self.agents.release,
        }
        if output is not None:
            functions["write"] = output
        py = self.lua.table_from({k: guarded(self, f) for k, f in functions.items()})
        py["poll"] = self._poll
        settings = self.lua.table_from(
            {
                "hook_interval": HOOK_INTERVAL,
                "sink": output is not None,
                "sandbox": None if allow_unsafe else self._load("sandbox.lua")(),
            }
        )
        self._driver = self._load("prelude.lua")(py, settings)
        self._driver.set(
            "llmspell",
            to_lua(
                self.lua,
                {
                    "version": llmspell.__version__,
                    "sandboxed": not allow_unsafe,
                    "stdin_is_tty": _isatty(0),
                    "stdout_is_tty": _isatty(1),
                },
            ),
        )
        if output is None:
            self.lua.execute("io.stdout:setvbuf('no')")
        if max_memory:
            self.lua.set_max_memory(max_memory, total=True)

    def _load(self, name: str) -> Any:
        load = self.lua.globals().load
        loaded = load(_lua_source(name), f"=llmspell/{name}", "t")
        if isinstance(loaded, tuple):  # (nil, message): the bundled sources are tested
            raise RuntimeError(loaded[1])
        return loaded

    # -- stopping ------------------------------------------------------------------------

    def interrupt(self) -> None:
        """Stop the running script as Ctrl-C does (exit 130); safe from any thread."""
        self._stop = "interrupt"

    def stop_for(self, reason: str) -> None:
        if self._stop is None:
            self._stop = reason

    def _poll(self) -> str | None:
        """Called by the count hook: why the script must stop, or None."""
        if self._stop is None and self._stopped is not None and self._stopped():
            self._stop = "interrupt"
        return self._stop

    @contextlib.contextmanager
    def ctrl_c_interrupts(self, grace: float = 0.8) -> Iterator[None]:
        """While the block runs, SIGINT interrupts the script (main thread only).

        A script stuck inside one long C call (a pathological pattern match, a blocking
        read) cannot poll; if it has not stopped `grace` seconds after Ctrl-C, the process
        exits with 130, so Ctrl-C always ends a script within a second.
        """
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        done = threading.Event()
        read_fd, write_fd = os.pipe()
        os.set_blocking(write_fd, False)

        def on_sigint(signum: int, frame: Any) -> None:
            self.interrupt()
            if self.in_python:  # a generation or download in Python code stops too
                raise KeyboardInterrupt

        def watchdog() -> None:
            while True:
                data = os.read(read_fd, 64)
                if not data or done.is_set():
                    return
                if signal.SIGINT in data:
                    self.interrupt()
                    if not done.wait(grace):
                        os.write(2, b"Interrupted.\n")
                        os._exit(INTERRUPTED)

        previous_handler = signal.signal(signal.SIGINT, on_sigint)
        previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
        thread = threading.Thread(target=watchdog, name="llmspell-ctrl-c", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            signal.set_wakeup_fd(previous_fd)
            signal.signal(signal.SIGINT, previous_handler)
            os.close(write_fd)  # ends the watchdog's read
            thread.join(timeout=1)
            os.close(read_fd)

    # -- running -------------------------------------------------------------------------

    def globals(self) -> Any:
        """The script's global table (tests use it to plant probes)."""
        return self._driver.env

    def run(
        self,
        source: str | bytes,
        chunkname: str,
        script: str,
        args: Sequence[str] = (),
        stopped: Callable[[], bool] | None = None,
    ) -> Outcome:
        """Run `source` as a main chunk called `chunkname`; `script` becomes `arg[0]`.

        `stopped`, polled with the interrupt flag, is the caller's own "was I interrupted":
        the run clears the flag `interrupt()` sets, so an interrupt that lands just before
        the run starts is seen only through it (the kernel passes its request's)."""
        from lupa import lua54

        if isinstance(source, str):
            source = source.encode("utf-8")
        if source.startswith(b"#"):  # a shebang line, as the standalone lua skips it
            source = b"--" + source
        positional, named = script_args(args)
        self._stop = None
        self._stopped = stopped
        argv = to_lua(self.lua, {0: script, **dict(enumerate(args, start=1))})
        self._driver.set("arg", argv)
        self._driver.set(
            "ARGS", to_lua(self.lua, {0: script, **dict(enumerate(positional, 1)), **named})
        )
        sys.stdout.flush()
        try:
            status, value = self._driver.run(source, chunkname, argv)
        except lua54.LuaMemoryError:
            status, value = "memory", None
        finally:
            self._stop = None
            self._stopped = None
        if status == "ok":
            return Outcome(0)
        if status == "exit":
            return Outcome(int(value), stopped="exit")
        if status == "interrupt":
            return Outcome(INTERRUPTED, "Interrupted.", stopped="interrupt")
        if status == "memory":
            self.lua.execute("collectgarbage()")
            return Outcome(1, self._memory_message(script), stopped="memory")
        return Outcome(1, value if isinstance(value, str) else str(value))

    def _memory_message(self, script: str) -> str:
        limit = describe_size(self.max_memory)
        return (
            f"{script} stopped: it needed more than the {limit} of Lua memory it may use; "
            f"raise the limit with --max-memory (e.g. --max-memory 1G) or max_memory under "
            f"[lua] in llmspell.toml."
        )

    def run_file(self, path: str, args: Sequence[str] = ()) -> Outcome:
        with open(path, "rb") as f:
            source = f.read()
        return self.run(source, "@" + path, path, args)

    def run_code(self, code: str, args: Sequence[str] = ()) -> Outcome:
        return self.run(code, "=(exec)", "exec", args)
