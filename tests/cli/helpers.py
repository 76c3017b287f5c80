"""Running `llmspell` for tests: in a subprocess, in a pseudo-terminal, or in-process."""

from __future__ import annotations

import codecs
import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

#: The real console script that `pip install llmspell-cli` creates.
LLMSPELL = str(Path(sys.executable).parent / "llmspell")


def llmspell(
    *args: str, input: str | None = None, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the command with stdin, stdout and stderr as pipes (never a terminal)."""
    return subprocess.run(
        [LLMSPELL, *args],
        input=input if input is not None else "",
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


class Terminal:
    """`llmspell` on a pseudo-terminal, as a person at a keyboard would run it."""

    def __init__(self, *args: str, env: dict[str, str] | None = None, columns: int = 100):
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        environment = {**os.environ, **(env or {})}
        environment.pop("COLUMNS", None)
        self.process = subprocess.Popen(
            [LLMSPELL, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=environment,
            # A terminal's program gets Ctrl-C even when the test run itself was started in
            # the background (where the shell leaves SIGINT ignored, and children inherit it).
            preexec_fn=_default_sigint,
        )
        os.close(slave)
        self.output = ""
        # Incremental: a read may end in the middle of a multi-byte character (a box line).
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._seen = 0  # where `expect_next` continues from

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:  # the child closed the terminal
            return False
        if not data:
            return False
        self.output += self._decoder.decode(data)
        return True

    def expect(self, text: str, timeout: float = 60) -> str:
        """Wait until `text` has been printed; everything printed so far is returned."""
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not printed within {timeout}s:\n{self.output}")
            if not self._read(0.1) and text not in self.output:
                raise AssertionError(f"exited before printing {text!r}:\n{self.output}")
        return self.output

    def expect_next(self, text: str, timeout: float = 60) -> str:
        """Wait for `text` printed after the last `expect_next` match; returns what came between."""
        deadline = time.monotonic() + timeout
        while (found := self.output.find(text, self._seen)) < 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not printed within {timeout}s:\n{self.output}")
            if not self._read(0.1) and self.output.find(text, self._seen) < 0:
                raise AssertionError(f"exited before printing {text!r}:\n{self.output}")
        between = self.output[self._seen : found]
        self._seen = found + len(text)
        return between

    def send(self, text: str) -> None:
        os.write(self.master, text.encode())

    def interrupt(self) -> None:
        """What Ctrl-C does: SIGINT to the program."""
        self.process.send_signal(signal.SIGINT)

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        while self._read(0.1):
            if self.process.poll() is not None and not select.select([self.master], [], [], 0)[0]:
                break
            if time.monotonic() > deadline:
                self.process.kill()
                raise AssertionError(f"did not exit within {timeout}s:\n{self.output}")
        code = self.process.wait(timeout=timeout)
        os.close(self.master)
        return code


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
