"""Connected mode: the CLI's `--connect ADDRESS` sends its work to a running kernel.

`ADDRESS` is a kernel id (`llmspell kernel status` lists them) or a connection file path.
Output, JSON and exit codes are those of the embedded command: Lua output arrives as iopub
`stream` messages and is written as it comes; model commands get the kernel's canonical
JSON and replay it through the CLI's own command code (`replay.py`). A kernel that is gone
or silent costs one sentence and exit 1 within seconds, never a hang; Ctrl-C sends an
`interrupt_request` and exits 130 once the kernel has stopped the work.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from pathlib import Path
from typing import Any

from llmspell import BadInputError, RuntimeFailure

from . import registry

#: Seconds a kernel may take to answer the first message before it counts as silent.
CONNECT_TIMEOUT = float(os.environ.get("LLMSPELL_CONNECT_TIMEOUT", "5"))
_POLL = 0.2
#: Seconds a reply may trail the kernel's idle status (ipykernel drops unknown requests).
_NO_REPLY_GRACE = 2.0

OnMessage = Callable[[dict[str, Any]], None]


class Connection:
    """One client (`wire.Wire`) on one kernel, with a liveness check."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.path, self.record = _resolve(address)
        self._check_alive()
        from .wire import Wire

        try:
            self.wire = Wire(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            raise RuntimeFailure(
                f"Cannot use the kernel connection file {self.path} ({exc})."
            ) from None
        self._last_ping = time.monotonic()
        self._wait_until_subscribed()

    def _wait_until_subscribed(self) -> None:
        """Until iopub delivers (so no output is lost): ask kernel_info until one of our
        requests' status messages, or the kernel's iopub welcome, arrives."""
        deadline = time.monotonic() + CONNECT_TIMEOUT
        ours: set[str] = set()
        while time.monotonic() < deadline:
            ours.add(self.wire.send("shell", self.wire.message("kernel_info_request", {})))
            step = time.monotonic() + 0.05
            while time.monotonic() < step:
                got = self.wire.receive(max(0.0, step - time.monotonic()))
                if got is None:
                    continue
                channel, msg = got
                if channel == "iopub" and (
                    msg["msg_type"] == "iopub_welcome" or msg["parent_header"].get("msg_id") in ours
                ):
                    return
        self.close()
        raise self._gone()

    # -- liveness -------------------------------------------------------------------

    def _gone(self) -> RuntimeFailure:
        where = f"kernel {self.record.id}" if self.record else f"the kernel of {self.path}"
        return RuntimeFailure(
            f"The {where} is not answering (stopped or busy elsewhere); "
            "check llmspell kernel status, or start one with llmspell kernel start --daemon."
        )

    def _check_alive(self) -> None:
        if self.record is not None and not registry.alive(self.record.pid):
            self.close()
            raise RuntimeFailure(
                f"The kernel {self.record.id} is not running any more (process "
                f"{self.record.pid} is gone); start it again with llmspell kernel start --daemon."
            )

    def alive(self) -> bool:
        """The registered process exists; for a kernel not registered here (Jupyter's),
        its heartbeat answers (asked at most every 2 s)."""
        if self.record is not None:
            return registry.alive(self.record.pid)
        if time.monotonic() - self._last_ping < 2:
            return True
        self._last_ping = time.monotonic()
        return self.wire.ping(timeout=2)

    def close(self) -> None:
        self.wire.close()

    # -- requests -------------------------------------------------------------------

    def request(
        self,
        msg_type: str,
        content: Mapping[str, Any],
        on_iopub: OnMessage,
        metadata: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Send one shell request; feed its iopub messages to `on_iopub` until it is idle
        and replied. Ctrl-C interrupts the kernel's work, then waits for that reply."""
        events = self.exchange(msg_type, content, metadata)
        try:
            while True:
                try:
                    msg = next(events)
                except StopIteration as done:
                    return done.value
                on_iopub(msg)
        finally:
            events.close()  # Ctrl-C out here: the kernel is told to stop too

    def exchange(
        self, msg_type: str, content: Mapping[str, Any], metadata: Mapping[str, Any] | None = None
    ) -> Generator[dict[str, Any], None, dict[str, Any]]:
        """Yield the request's iopub messages as they arrive; return its reply content.

        Ctrl-C sends an `interrupt_request` and goes on waiting (a second one gives up);
        closing the generator early interrupts the kernel's work too.
        """
        msg_id = self.wire.send(
            "shell", self.wire.message(msg_type, dict(content), dict(metadata or {}))
        )
        reply: dict[str, Any] | None = None
        idle = interrupted = False
        idle_since = 0.0
        try:
            while reply is None or not idle:
                if idle and reply is None and time.monotonic() - idle_since > _NO_REPLY_GRACE:
                    raise RuntimeFailure(
                        f"The kernel did not answer {msg_type}: it is not an llmspell kernel, "
                        "or an older one; restart it with llmspell kernel start."
                    )
                try:
                    kind, got = self._next(msg_id)
                except KeyboardInterrupt:
                    if interrupted:
                        raise
                    interrupted = True
                    self.interrupt(msg_id)
                    continue
                if kind == "iopub":
                    yield got
                elif kind == "idle":
                    idle, idle_since = True, time.monotonic()
                elif kind == "reply":
                    reply = got
        finally:
            if reply is None and not interrupted:  # the consumer stopped listening
                with contextlib.suppress(Exception):
                    self.interrupt(msg_id)
        return reply

    def interrupt(self, msg_id: str | None = None) -> None:
        """Stop request `msg_id` only (other clients of the kernel carry on); without it,
        everything the kernel is running, as Jupyter's interrupt does."""
        content = {"msg_id": msg_id} if msg_id else {}
        self.wire.send("control", self.wire.message("interrupt_request", content))

    def _next(self, msg_id: str) -> tuple[str, Any]:
        """The next event of request `msg_id`: ("iopub", msg), ("idle", None), ("reply",
        content) or ("wait", None) after a short poll (the kernel is checked to exist)."""
        while True:
            got = self.wire.receive(_POLL)
            if got is None:
                if not self.alive():
                    raise self._gone_now()
                return "wait", None
            channel, msg = got
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if channel == "shell":
                return "reply", msg["content"]
            if msg["msg_type"] != "status":
                return "iopub", msg
            if msg["content"].get("execution_state") == "idle":
                return "idle", None

    def _gone_now(self) -> RuntimeFailure:
        where = f"kernel {self.record.id}" if self.record else f"kernel of {self.path}"
        return RuntimeFailure(f"The {where} stopped before answering; its work is lost.")


def _resolve(address: str) -> tuple[Path, registry.KernelRecord | None]:
    """The connection file and (when the kernel is registered here) its record."""
    if not address or not address.strip():
        raise BadInputError("--connect needs a kernel id or a connection file path.")
    looks_like_path = os.sep in address or address.endswith(".json") or Path(address).is_file()
    if not looks_like_path:
        record = registry.find(address)
        if record is None:
            running = ", ".join(r.id for r in registry.records()) or "none"
            raise RuntimeFailure(
                f"No kernel called {address!r} is running (running: {running}); start it "
                f"with llmspell kernel start --daemon --id {address}."
            )
        return Path(record.connection_file), record
    path = Path(address).expanduser().resolve()
    record = next((r for r in registry.records() if Path(r.connection_file) == path), None)
    if not path.is_file():
        raise RuntimeFailure(
            f"The connection file {path} does not exist; the kernel has stopped or the path "
            "is wrong (llmspell kernel status lists running kernels)."
        )
    return path, record


def connect(address: str) -> Connection:
    return Connection(address)


# -- Lua: run / exec -------------------------------------------------------------------


def write_stream(msg: dict[str, Any]) -> None:
    if msg["msg_type"] == "stream":
        out = sys.stderr if msg["content"].get("name") == "stderr" else sys.stdout
        out.write(msg["content"].get("text", ""))
        out.flush()


def execute(
    address: str,
    code: str | bytes,
    *,
    chunkname: str,
    script: str,
    args: Sequence[str] = (),
    allow_unsafe: bool = False,
    max_memory: str | int | None = None,
) -> int:
    """Run Lua in the kernel as `llmspell run`/`exec` would here; returns the exit code."""
    if isinstance(code, bytes):
        code = code.decode("utf-8", errors="replace")
    conn = connect(address)
    try:
        if allow_unsafe and (conn.record is None or conn.record.sandboxed):
            raise BadInputError(
                "The kernel runs scripts sandboxed, so --allow-unsafe cannot apply; start a "
                "kernel with llmspell kernel start --allow-unsafe to lift the sandbox."
            )
        options: dict[str, Any] = {
            "isolated": True,
            "chunkname": chunkname,
            "script": script,
            "args": list(args),
        }
        if max_memory is not None:
            from llmspell_lua.runtime import parse_size

            options["max_memory"] = parse_size(max_memory)
        content = {
            "code": code,
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": False,
        }
        reply = conn.request("execute_request", content, write_stream, {"llmspell": options})
    finally:
        conn.close()
    exit_code = (reply.get("llmspell") or {}).get("exit_code")
    if reply.get("status") == "error":
        sys.stdout.flush()
        print(reply.get("evalue", ""), file=sys.stderr, flush=True)
        return int(exit_code) if isinstance(exit_code, int) else 1
    return int(exit_code) if isinstance(exit_code, int) else 0


def run_script(address: str, script: str, args: Sequence[str] = (), **options: Any) -> int:
    """`llmspell run --connect`: the script is read here and runs in the kernel."""
    from llmspell_lua.commands import read_script

    source = read_script(script)
    return execute(address, source, chunkname="@" + script, script=script, args=args, **options)


def exec_code(address: str, code: str, args: Sequence[str] = (), **options: Any) -> int:
    """`llmspell exec --connect`."""
    return execute(address, code, chunkname="=(exec)", script="exec", args=args, **options)


# -- model commands --------------------------------------------------------------------


def model_request(
    address: str | Connection,
    content: Mapping[str, Any],
    on_progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """One `model_request`; returns the reply content (`status` ok with `result`, or error)."""

    def on_iopub(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "model_progress" and on_progress is not None:
            on_progress(msg["content"])
        else:
            write_stream(msg)  # notes (fallbacks) arrive on stderr

    conn = address if isinstance(address, Connection) else connect(address)
    try:
        return conn.request("model_request", content, on_iopub)
    finally:
        if conn is not address:
            conn.close()


def raise_error(reply: Mapping[str, Any]) -> None:
    """An error reply as the exception the embedded command would have raised."""
    code = reply.get("exit_code", 1)
    message = str(reply.get("evalue") or reply.get("ename") or "the kernel failed")
    if code == 130:
        raise KeyboardInterrupt
    raise BadInputError(message) if code == 2 else RuntimeFailure(message)


def wait_until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()
