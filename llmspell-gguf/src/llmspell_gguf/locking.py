"""Per-model file locks, so two pulls (or a pull and a remove) never touch one entry at once.

`flock` locks belong to an open file, so they exclude other threads of the same process as
well as other processes; the kernel drops them when a process dies. The lock file itself is
deleted when the lock is released, so a thousand failed pulls leave no thousand files: the
holder unlinks it before unlocking, and a waiter that then gets the lock checks that its
file is still the one at the path (else it locked a deleted file, and tries again).
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
    fd = _acquire(path, wait, on_wait)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _acquire(path: Path, wait: bool, on_wait: Callable[[], None] | None) -> int:
    """An open, locked descriptor of the file that is at `path` now."""
    waited = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if not wait:
                    raise LockHeld(str(path)) from None
                if on_wait is not None and not waited:
                    on_wait()
                waited = True
                fcntl.flock(fd, fcntl.LOCK_EX)
            if _same_file(fd, path):
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder deleted it while we waited: lock the new one


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _filelock(path: Path, *, wait: bool, on_wait: Callable[[], None] | None) -> Iterator[None]:
    import filelock  # Windows: its lock files are deleted on release already

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
