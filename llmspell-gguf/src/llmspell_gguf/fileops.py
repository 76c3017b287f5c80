"""Putting model files in place: hashing, copying while hashing, linking, atomic renames."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

CHUNK = 1 << 20

Progress = Callable[[int, int], None]  # (bytes done, bytes total)


def sha256_of(path: Path, progress: Progress | None = None) -> str:
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
            done += len(block)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()


def copy_hashing(src: Path, dst: Path, progress: Progress | None = None) -> str:
    """Copy `src` to `dst` and return the sha256 of what was written, in a single pass."""
    digest = hashlib.sha256()
    total = src.stat().st_size
    done = 0
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while block := fin.read(CHUNK):
            digest.update(block)
            fout.write(block)
            done += len(block)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()


def link_or_copy(src: Path, dst: Path, progress: Progress | None = None) -> str:
    """Place `src` at `dst` as a hard link when possible (instant, no extra space), else copy.

    A hard link survives the source being deleted (an uninstalled package, a cleaned cache),
    unlike a symlink. Returns the sha256 of the file.
    """
    src = src.resolve()  # link the content (a cache blob), never a symlink to it
    try:
        os.link(src, dst)
    except OSError:
        return copy_hashing(src, dst, progress)
    return sha256_of(dst, progress)


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def remove_entry(entry: Path) -> None:
    """Delete an entry directory and what it holds, following no link out of it."""
    if entry.is_symlink():
        entry.unlink()
        return
    for child in entry.iterdir():
        if child.is_symlink() or not child.is_dir():
            child.unlink()
        else:
            shutil.rmtree(child)
    entry.rmdir()
