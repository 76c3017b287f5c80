"""Per-model file locks, so two pulls (or a pull and a remove) never touch one entry at once.

`flock` locks belong to an open file, so they exclude other threads of the same process as
well as other processes; the kernel drops them when a process dies, so a killed pull never
leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


class LockHeld(Exception):
    """Another process or thread holds the lock."""


@contextlib.contextmanager
def exclusive(
    path: Path, *, wait: bool = True, on_wait: Callable[[], None] | None = None
) -> Iterator[None]:
    """Hold the lock at `path`; when it is taken, call `on_wait` and block (or raise)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fcntl is None:
        yield from _filelock(path, wait=wait, on_wait=on_wait)
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise LockHeld(str(path)) from None
            if on_wait is not None:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _filelock(path: Path, *, wait: bool, on_wait: Callable[[], None] | None) -> Iterator[None]:
    import filelock  # a dependency of huggingface_hub

    lock = filelock.FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        if not wait:
            raise LockHeld(str(path)) from None
        if on_wait is not None:
            on_wait()
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
