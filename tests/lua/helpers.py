"""Running Lua for tests: the installed `llmspell` command in a subprocess, and constants."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
LLMSPELL = Path(sys.executable).with_name("llmspell")
SMOLLM2 = "local/smollm2:135m@gguf"


@attrs.frozen
class Ran:
    code: int
    out: str
    err: str


def llmspell_cli(*argv: str, stdin: str = "", timeout: float = 300) -> Ran:
    """The installed `llmspell` command in a subprocess, with this test's environment."""
    done = subprocess.run(
        [str(LLMSPELL), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    return Ran(done.returncode, done.stdout, done.stderr)


def in_terminal(argv: list[str], steps: list[tuple[str, str]], timeout: float = 300) -> Ran:
    """Run the command on a pseudo-terminal: for each (expected, reply) wait for `expected`
    in the output, then type `reply`. Returns the exit code and everything shown (out)."""
    import pty  # noqa: F401 - POSIX only, like the interactive use it tests
    import select
    import time

    master, slave = os.openpty()
    proc = subprocess.Popen(
        [str(LLMSPELL), *argv], stdin=slave, stdout=slave, stderr=slave, close_fds=True
    )
    os.close(slave)
    shown, deadline = b"", time.monotonic() + timeout
    pending = list(steps)

    def read_some() -> bool:
        ready, _, _ = select.select([master], [], [], 0.1)
        if not ready:
            return True
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the command exited and closed the terminal
            return False
        nonlocal shown
        shown += data
        return bool(data)

    searched = 0
    while time.monotonic() < deadline:
        screen = shown.replace(b"\r\n", b"\n")  # the terminal's newlines
        if pending and pending[0][0].encode() in screen[searched:]:
            searched = screen.index(pending[0][0].encode(), searched) + len(pending[0][0])
            os.write(master, pending.pop(0)[1].encode())
        if not read_some() and proc.poll() is not None:
            break
    code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    os.close(master)
    return Ran(code, shown.decode("utf-8", "replace").replace("\r\n", "\n"), "")
