"""Running kernels on this machine, under `LLMSPELL_HOME/kernels`: one connection file
(`<id>.json`, the standard Jupyter one, mode 0600) and one record (`<id>.kernel.json`) each.

The record is written by the kernel itself at start and after each request (so `kernel
status` can show loaded models without talking to a busy kernel); an entry whose process is
gone is stale and removed whenever the registry is read.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from pathlib import Path
from typing import Any

import attrs
from llmspell import BadInputError
from llmspell.paths import llmspell_home

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def kernels_dir() -> Path:
    return llmspell_home() / "kernels"


def check_id(kernel_id: str) -> str:
    if not _ID.match(kernel_id):
        raise BadInputError(
            f"Kernel id {kernel_id!r} is not valid: use letters, digits, '.', '_' or '-' "
            "(at most 64), e.g. --id dev."
        )
    return kernel_id


def connection_path(kernel_id: str) -> Path:
    return kernels_dir() / f"{kernel_id}.json"


def record_path(kernel_id: str) -> Path:
    return kernels_dir() / f"{kernel_id}.kernel.json"


def log_path(kernel_id: str) -> Path:
    return kernels_dir() / f"{kernel_id}.log"


@attrs.frozen
class KernelRecord:
    """What `kernel status` shows about one kernel."""

    id: str
    pid: int
    connection_file: str
    started_at: float
    ip: str = "127.0.0.1"
    sandboxed: bool = True
    loaded_models: tuple[str, ...] = ()
    idle_timeout: float | None = None
    last_activity: float | None = None

    @property
    def uptime(self) -> float:
        return max(0.0, time.time() - self.started_at)

    def to_dict(self) -> dict[str, Any]:
        data = attrs.asdict(self)
        data["loaded_models"] = list(self.loaded_models)
        data["uptime_seconds"] = round(self.uptime, 1)
        return data


def write_private(path: Path, text: str) -> None:
    """Write `text` readable by the owner only (0600 from creation on, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def save(record: KernelRecord) -> None:
    write_private(record_path(record.id), json.dumps(attrs.asdict(record), indent=2))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours (a test's Popen) has exited too.
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat", encoding="ascii") as f:
        if f.read().rsplit(")", 1)[-1].split()[0] == "Z":
            return False
    return True


def _load(path: Path) -> KernelRecord | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["loaded_models"] = tuple(data.get("loaded_models") or ())
        return KernelRecord(**data)
    except (OSError, ValueError, TypeError):
        return None


def remove(kernel_id: str) -> None:
    for path in (record_path(kernel_id), connection_path(kernel_id)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def records() -> list[KernelRecord]:
    """Live kernels, oldest first; stale entries (process gone, unreadable) are cleaned."""
    found = []
    for path in sorted(kernels_dir().glob("*.kernel.json")):
        record = _load(path)
        if record is None or not alive(record.pid):
            kernel_id = path.name[: -len(".kernel.json")]
            remove(kernel_id)
            if record is not None and record.connection_file != str(connection_path(kernel_id)):
                with contextlib.suppress(OSError):
                    Path(record.connection_file).unlink()
            continue
        found.append(record)
    return sorted(found, key=lambda r: r.started_at)


def find(kernel_id: str) -> KernelRecord | None:
    return next((r for r in records() if r.id == kernel_id), None)


def new_id() -> str:
    """The first free `kernel-N`."""
    taken = {r.id for r in records()}
    n = 1
    while f"kernel-{n}" in taken:
        n += 1
    return f"kernel-{n}"
