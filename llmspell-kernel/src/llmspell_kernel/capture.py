"""What Lua writes to the process's stdout/stderr, sent as iopub `stream` messages at once.

Lua's `print` and `io.write` go through C stdio straight to file descriptors 1 and 2, below
anything Python can intercept, so each descriptor is replaced by a pipe whose reader thread
publishes every chunk as soon as it arrives (ipykernel's own capture batches for 200 ms,
too slow for streamed tokens). `sync()` makes sure everything written so far has been sent
before the reply goes out, so output never trails its `execute_reply`.
"""

from __future__ import annotations

import codecs
import os
import threading
from collections.abc import Callable

_MARK = b"\x00llmspell-sync\x00"

Publish = Callable[[str, str], None]


class _Pipe:
    def __init__(self, fd: int, name: str, publish: Publish) -> None:
        self.fd = fd
        self.name = name
        self.publish = publish
        self.original = os.dup(fd)
        read_end, write_end = os.pipe()
        os.dup2(write_end, fd)
        os.close(write_end)
        self.read_end = read_end
        self.synced = threading.Event()
        self.thread = threading.Thread(target=self._pump, name=f"llmspell-{name}", daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        pending = b""
        while True:
            chunk = os.read(self.read_end, 65536)
            if not chunk:
                return
            pending += chunk
            while True:
                at = pending.find(_MARK)
                if at < 0:
                    break
                self._send(decoder.decode(pending[:at]))
                pending = pending[at + len(_MARK) :]
                self.synced.set()
            # Keep a tail that may be the start of a mark split across reads.
            keep = next((n for n in range(len(_MARK) - 1, 0, -1) if pending.endswith(_MARK[:n])), 0)
            ready, pending = (pending[:-keep], pending[-keep:]) if keep else (pending, b"")
            self._send(decoder.decode(ready))

    def _send(self, text: str) -> None:
        if text:
            try:
                self.publish(self.name, text)
            except Exception:  # the kernel is shutting down: nowhere to send it
                os.write(self.original, text.encode("utf-8", "replace"))

    def sync(self, timeout: float) -> None:
        self.synced.clear()
        os.write(self.fd, _MARK)
        self.synced.wait(timeout)


class StreamCapture:
    """Descriptors 1 and 2 as iopub streams `stdout` and `stderr` for the kernel's lifetime."""

    def __init__(self, publish: Publish) -> None:
        self.pipes = [_Pipe(1, "stdout", publish), _Pipe(2, "stderr", publish)]

    def sync(self, timeout: float = 2.0) -> None:
        """Return once everything written before the call has been published."""
        for pipe in self.pipes:
            pipe.sync(timeout)

    @property
    def original_stderr(self) -> int:
        """The kernel's real stderr (its log), for messages that must not reach a client."""
        return self.pipes[1].original
