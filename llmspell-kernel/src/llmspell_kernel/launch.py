"""The kernel process: parse its options, bind with ipykernel's app, register, serve.

Started by `llmspell kernel start` (in its own session, output to a log file) or by Jupyter
from the kernelspec (`-f {connection_file}`). Either way it records itself under
`LLMSPELL_HOME/kernels` so `kernel status|stop` and `--connect ID` find it.
"""

from __future__ import annotations

import argparse
import faulthandler
import hashlib
import logging
import os
import signal
import sys
import time
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m llmspell_kernel", description=__doc__)
    p.add_argument("-f", "--connection-file", help="Connection file to write (or read).")
    p.add_argument("--id", dest="kernel_id", help="Kernel id for --connect and kernel stop.")
    p.add_argument("--ip", default="127.0.0.1", help="Address to bind (default 127.0.0.1).")
    p.add_argument("--port", type=int, default=0, help="First of five ports (0: random).")
    p.add_argument("--idle-timeout", type=float, default=0, help="Stop after idle seconds.")
    p.add_argument("--allow-unsafe", action="store_true", help="Run Lua without the sandbox.")
    p.add_argument("--max-memory", help="Lua memory limit per script, e.g. 512M (0: none).")
    p.add_argument("--debug", action="store_true", help="Debug logs (to stderr).")
    return p


def _kernel_id(args: argparse.Namespace) -> str:
    from . import registry

    if args.kernel_id:
        return registry.check_id(args.kernel_id)
    if args.connection_file:  # launched by Jupyter: a stable id from its file name
        stem = Path(args.connection_file).stem
        return "jupyter-" + hashlib.sha1(stem.encode()).hexdigest()[:8]
    return registry.new_id()


def _ipykernel_argv(args: argparse.Namespace, connection_file: Path) -> list[str]:
    argv = [
        "-f",
        str(connection_file),
        f"--ip={args.ip}",
        # Lua output reaches clients through the runtime's output sink, at once; the
        # process's own descriptors and sys.stdout/sys.stderr stay the kernel's log.
        # (ipykernel's OutStream would also make a shutdown wait 10 s now and then: its
        # control thread flushes it while the iopub thread is being stopped.)
        "--IPKernelApp.capture_fd_output=False",
        "--IPKernelApp.outstream_class=None",
        "--IPKernelApp.quiet=True",
        "--Session.signature_scheme=hmac-sha256",
    ]
    if args.port:
        names = ("shell", "iopub", "stdin", "control", "hb")
        argv += [f"--{name}={args.port + i}" for i, name in enumerate(names)]
    if args.debug:
        argv.append("--debug")
    return argv


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    from ipykernel.kernelapp import IPKernelApp

    from . import registry
    from .kernel import SETTINGS, LlmspellKernel

    kernel_id = _kernel_id(args)
    connection_file = Path(args.connection_file or registry.connection_path(kernel_id))
    connection_file = connection_file.expanduser().resolve()
    connection_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    owned = not connection_file.exists()  # Jupyter's own file is Jupyter's to remove
    SETTINGS.kernel_id = kernel_id
    SETTINGS.allow_unsafe = args.allow_unsafe
    if args.max_memory is not None:
        from llmspell_lua.runtime import parse_size

        SETTINGS.max_memory = parse_size(args.max_memory)
    SETTINGS.idle_timeout = args.idle_timeout or None
    if args.debug:
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
    if args.ip not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"Warning: the kernel listens on {args.ip}, reachable from other machines; "
            "anyone with its connection file can run code in it.",
            file=sys.stderr,
            flush=True,
        )

    class App(IPKernelApp):
        def log_connection_info(self) -> None:
            """ipykernel's banner talks about `ipython kernel` and Ctrl-C; `kernel start`
            prints what applies instead (the file is in the log at debug level)."""
            self.log.debug("connection file: %s", self.abs_connection_file)

    app = App.instance(kernel_class=LlmspellKernel)
    app.initialize(_ipykernel_argv(args, connection_file))
    kernel: LlmspellKernel = app.kernel
    faulthandler.enable(file=sys.__stderr__, all_threads=True)
    if args.debug:
        logging.getLogger().setLevel(logging.DEBUG)

    record = registry.KernelRecord(
        id=kernel_id,
        pid=os.getpid(),
        connection_file=str(connection_file),
        started_at=time.time(),
        ip=args.ip,
        sandboxed=not args.allow_unsafe,
        idle_timeout=SETTINGS.idle_timeout,
    )
    SETTINGS.record = record
    registry.save(record)

    loop_holder: dict[str, object] = {}

    def stop(*_: object) -> None:
        loop = loop_holder.get("loop")
        if loop is not None:
            loop.add_callback_from_signal(loop.stop)  # type: ignore[attr-defined]

    signal.signal(signal.SIGTERM, stop)
    if SETTINGS.idle_timeout:
        _watch_idle(kernel, SETTINGS.idle_timeout, loop_holder)
    try:
        from tornado import ioloop

        loop_holder["loop"] = ioloop.IOLoop.current()
        app.start()
    finally:
        registry.remove(kernel_id)
        if owned:
            app.cleanup_connection_file()


def _watch_idle(kernel: object, seconds: float, loop_holder: dict[str, object]) -> None:
    """Stop the kernel once no request has arrived for `seconds`."""
    from tornado import ioloop

    def check() -> None:
        if kernel.idle_for() >= seconds:  # type: ignore[attr-defined]
            logging.getLogger("llmspell.kernel").info("idle for %.0f s: stopping", seconds)
            ioloop.IOLoop.current().stop()

    ioloop.PeriodicCallback(check, min(1000, seconds * 250)).start()
