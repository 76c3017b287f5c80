"""`llmspell kernel start|status|stop|install`.

A kernel always runs as its own process (`python -m llmspell_kernel`) in its own session,
so a terminal's Ctrl-C never reaches it by accident: `start` waits in the foreground
(Ctrl-C there stops the kernel) or, with `--daemon`, returns once the kernel is listening.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated, Literal

from cyclopts import App, Parameter
from llmspell import BadInputError, RuntimeFailure

from . import KERNEL_NAME, registry

_START_TIMEOUT = 60.0
_GRACE = 8.0


def kernel_app() -> App:
    app = App(name="kernel", help="Run a kernel that keeps models loaded for run, exec, chat.")
    app.command(start)
    app.command(status)
    app.command(stop)
    app.command(install)
    return app


def _debug() -> bool:
    with contextlib.suppress(ImportError):
        from llmspell_cli import session

        return session.current().debug
    return False


def start(
    *,
    port: Annotated[int, Parameter(help="First of the five ports (0: pick free ones).")] = 0,
    ip: Annotated[str, Parameter(help="Address to listen on.")] = "127.0.0.1",
    connection_file: Annotated[
        Path | None, Parameter(help="Where to write the connection file.")
    ] = None,
    id: Annotated[str | None, Parameter(help="Name for --connect and kernel stop.")] = None,
    daemon: Annotated[bool, Parameter(help="Run in the background and return.")] = False,
    idle_timeout: Annotated[
        float | None, Parameter(help="Stop after this many seconds without requests.")
    ] = None,
    allow_unsafe: Annotated[bool, Parameter(help="Run scripts without the sandbox.")] = False,
    max_memory: Annotated[
        str | None, Parameter(help="Lua memory limit per script, e.g. 512M (0: none).")
    ] = None,
) -> int:
    """Start a kernel: one process that keeps models loaded for every client.

    Connect with --connect ID on run, exec, chat and model commands, or from Jupyter
    (jupyter console --existing FILE).
    """
    kernel_id = registry.check_id(id) if id else registry.new_id()
    running = registry.find(kernel_id)
    if running is not None:
        raise BadInputError(
            f"A kernel called {kernel_id} is already running (pid {running.pid}); stop it with "
            f"llmspell kernel stop {kernel_id}, or choose another --id."
        )
    if not 0 <= port <= 65530:
        raise BadInputError(
            f"--port must be between 1 and 65530 (or 0 for free ports), got {port}."
        )
    if idle_timeout is not None and idle_timeout <= 0:
        raise BadInputError("--idle-timeout must be a positive number of seconds.")
    if max_memory is not None:
        from llmspell_lua.runtime import parse_size

        parse_size(max_memory)
    argv = [sys.executable, "-m", "llmspell_kernel", "--id", kernel_id, "--ip", ip]
    if port:
        argv += ["--port", str(port)]
    if connection_file is not None:
        argv += ["--connection-file", str(connection_file.expanduser().resolve())]
    if idle_timeout:
        argv += ["--idle-timeout", str(idle_timeout)]
    if allow_unsafe:
        argv.append("--allow-unsafe")
    if max_memory is not None:
        argv += ["--max-memory", max_memory]
    if _debug():
        argv.append("--debug")
    log = registry.log_path(kernel_id)
    log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if daemon:
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
            )
    else:
        # The kernel's own output (its log) goes to stderr; stdout keeps only our lines.
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=sys.stderr, start_new_session=True
        )
    record = _wait_started(proc, kernel_id, log if daemon else None)
    where = f"log {log}" if daemon else "Ctrl-C stops it"
    print(
        f"Kernel {kernel_id} started (pid {record.pid}; {where}).\n"
        f"Connection file: {record.connection_file}\n"
        f"Use it with: llmspell exec --connect {kernel_id} 'print(1)', or "
        f"jupyter console --existing {record.connection_file}",
        flush=True,
    )
    if daemon:
        return 0
    try:
        return proc.wait()
    except KeyboardInterrupt:
        _terminate(record.pid, proc)
        print(f"Stopped kernel {kernel_id}.", file=sys.stderr)
        return 0


def _wait_started(
    proc: subprocess.Popen, kernel_id: str, log: Path | None
) -> registry.KernelRecord:
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        record = registry.find(kernel_id)
        if record is not None and record.pid == proc.pid:
            return record
        if proc.poll() is not None:
            tail = ""
            if log is not None and log.exists():
                lines = log.read_text(errors="replace").strip().splitlines()[-3:]
                tail = " Its last words: " + " | ".join(lines) if lines else ""
            raise RuntimeFailure(f"The kernel exited at start (code {proc.returncode}).{tail}")
        time.sleep(0.05)
    proc.kill()
    raise RuntimeFailure(f"The kernel did not start within {_START_TIMEOUT:.0f} s; see {log}.")


def _format_uptime(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"


def status(
    *, format: Annotated[Literal["text", "json"], Parameter(help="Output.")] = "text"
) -> int:
    """Show running kernels: id, pid, uptime, loaded models, connection file."""
    records = registry.records()
    if format == "json":
        print(json.dumps({"kernels": [r.to_dict() for r in records]}, indent=2))
        return 0
    if not records:
        print("No kernels are running. Start one with llmspell kernel start --daemon.")
        return 0
    from llmspell_cli.formatting import table

    rows = [
        [
            r.id,
            r.pid,
            _format_uptime(r.uptime),
            ", ".join(r.loaded_models) or "-",
            "sandboxed" if r.sandboxed else "unsafe",
            r.connection_file,
        ]
        for r in records
    ]
    print(table(["id", "pid", "uptime", "models", "lua", "connection file"], rows))
    return 0


def stop(
    kernel_id: Annotated[str | None, Parameter(help="The kernel to stop.")] = None,
    /,
    *,
    all: Annotated[bool, Parameter(help="Stop every running kernel.")] = False,
) -> int:
    """Stop a kernel (asks it to shut down, then forces it after a few seconds)."""
    records = registry.records()
    if all:
        targets = records
    elif kernel_id is not None:
        found = next((r for r in records if r.id == kernel_id), None)
        if found is None:
            running = ", ".join(r.id for r in records) or "none"
            raise BadInputError(f"No kernel called {kernel_id!r} is running (running: {running}).")
        targets = [found]
    elif len(records) == 1:
        targets = records
    elif not records:
        print("No kernels are running.")
        return 0
    else:
        raise BadInputError(
            f"Several kernels are running ({', '.join(r.id for r in records)}); "
            "name one, or pass --all."
        )
    for record in targets:
        how = _stop_one(record)
        registry.remove(record.id)
        print(f"Stopped kernel {record.id}{how}.")
    return 0


def _stop_one(record: registry.KernelRecord) -> str:
    """Graceful shutdown_request, then SIGTERM, then SIGKILL; says which one it took."""
    from . import client

    with contextlib.suppress(Exception):
        from jupyter_client import BlockingKernelClient

        kc = BlockingKernelClient()
        kc.load_connection_file(record.connection_file)
        kc.start_channels()
        try:
            kc.control_channel.send(kc.session.msg("shutdown_request", {"restart": False}))
            if client.wait_until(lambda: not registry.alive(record.pid), _GRACE):
                return ""
        finally:
            kc.stop_channels()
    return _terminate(record.pid)


def _terminate(pid: int, proc: subprocess.Popen | None = None) -> str:
    from . import client

    for sig, wait, how in (
        (signal.SIGTERM, 2.0, " (terminated)"),
        (signal.SIGKILL, 2.0, " (killed)"),
    ):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        if client.wait_until(
            lambda: (proc.poll() is not None) if proc else not registry.alive(pid), wait
        ):
            return how
    return " (killed)"


def install(
    *,
    user: Annotated[bool, Parameter(help="For this user (the default).")] = False,
    sys_prefix: Annotated[bool, Parameter(help="Into this Python environment.")] = False,
) -> int:
    """Install the Jupyter kernelspec: jupyter console --kernel llmspell, notebooks."""
    import tempfile

    from jupyter_client.kernelspec import KernelSpecManager

    if user and sys_prefix:
        raise BadInputError("Pass --user or --sys-prefix, not both.")
    spec = {
        "argv": [sys.executable, "-m", "llmspell_kernel", "-f", "{connection_file}"],
        "display_name": "llmspell (Lua)",
        "language": "lua",
        "interrupt_mode": "message",
        "metadata": {"debugger": False},
    }
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "kernel.json").write_text(json.dumps(spec, indent=2))
        kwargs = {"prefix": sys.prefix} if sys_prefix else {"user": True}
        where = KernelSpecManager().install_kernel_spec(tmp, KERNEL_NAME, replace=True, **kwargs)
    print(
        f"Installed the {KERNEL_NAME} kernelspec in {where}. Use it with "
        f'jupyter console --kernel {KERNEL_NAME}, or pick "llmspell (Lua)" in a notebook.'
    )
    return 0
