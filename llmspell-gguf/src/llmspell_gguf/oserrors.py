"""Operating-system errors of the model store, said as sentences with the right exit code.

Every file-system fault a pull, import, remove or listing can meet is the user's world, not
a bug in llmspell: a name too long for the file system, a file where a folder should be, a
read-only or full disk, a permission, a symlink loop. `store_errors` turns each into an
`llmspell` error naming the path and what to do; bad input (a name, a configured path)
exits 2, a fault of the machine exits 1.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from pathlib import Path

from llmspell.errors import BadInputError, LlmspellError, RuntimeFailure


class StoreOSError(RuntimeFailure):
    """A file-system fault of the machine (read-only, full, permission): exit 1."""


class StorePathError(BadInputError):
    """A name or configured path the file system cannot hold (too long, not a folder): exit 2."""


_SETTING = "model_directory in [providers.gguf.options]"


def explain(exc: OSError, root: Path, action: str) -> LlmspellError:
    """The sentence for `exc`, met while `action` (e.g. "importing x:1") in the store at `root`."""
    where = exc.filename or root
    code = exc.errno
    if code == errno.ENAMETOOLONG:
        return StorePathError(
            f"Cannot finish {action}: the path {_short(where)} is too long for this file "
            "system. Use a shorter model name or a shorter " + _SETTING + "."
        )
    if code == errno.ENOTDIR:
        return StorePathError(
            f"Cannot finish {action}: part of {where} is a file where a folder should be. "
            f"Move that file away, or set {_SETTING} to a folder."
        )
    if code == errno.ELOOP:
        return StorePathError(
            f"Cannot finish {action}: {where} goes through a symbolic link that points back "
            f"to itself. Fix the link, or set {_SETTING} to a real folder."
        )
    if code == errno.EEXIST:
        return StoreOSError(
            f"Cannot finish {action}: {where} already exists and is in the way. "
            "Move it away and try again."
        )
    if code in (errno.EACCES, errno.EPERM):
        return StoreOSError(
            f"Cannot finish {action}: permission denied for {where}. Make {root} writable "
            f"for this user, or set {_SETTING} to a folder you own."
        )
    if code == errno.EROFS:
        return StoreOSError(
            f"Cannot finish {action}: {root} is on a read-only file system. "
            f"Set {_SETTING} to a writable folder."
        )
    if code in (errno.ENOSPC, errno.EDQUOT):
        return StoreOSError(
            f"Cannot finish {action}: the disk holding {root} is full. Free some space "
            f"(or set {_SETTING} to a larger disk) and run the same command again; "
            "a download resumes where it stopped."
        )
    reason = exc.strerror or type(exc).__name__
    return StoreOSError(f"Cannot finish {action}: {where}: {reason}.")


@contextlib.contextmanager
def store_errors(root: Path, action: str) -> Iterator[None]:
    """Raise `explain(...)` instead of any `OSError` escaping the block."""
    try:
        yield
    except OSError as exc:
        raise explain(exc, root, action) from exc


def _short(path: object) -> str:
    text = str(path)
    return text if len(text) <= 80 else f"{text[:40]}…{text[-30:]}"
