"""What backends report about models, each fact one typed class with one `to_dict()`.

`to_dict()` is the canonical, JSON-safe form that every front end is built from: the CLI's
`--format json`, the Lua tables (which only add Rust-compatible names) and kernel replies.
Conventions, the same in every class:

- times are Unix seconds: a float attribute in Python, `<what>_at` as whole seconds plus
  `<what>` as ISO 8601 UTC (`2026-11-30T14:58:00Z`) in `to_dict()`;
- sizes are bytes (`size_bytes`); paths are strings; unknown values are None (null, nil);
- `details` holds backend-specific extras for people to read (`model info` prints them);
  no front end interprets a key of it: anything a front end reads is a typed field.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs


def unix_seconds(value: float | None) -> int | None:
    """Whole Unix seconds (None when unknown): the one time type of every `to_dict()`."""
    if value is None or not math.isfinite(value):
        return None
    return int(value)


def iso_time(value: float | None) -> str | None:
    """The same instant as ISO 8601 UTC, for people reading JSON."""
    seconds = unix_seconds(value)
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _path(value: Path | str | None) -> str | None:
    return None if value is None else str(value)


def json_safe(value: Any) -> Any:
    """`details` made JSON-safe: paths and other objects become strings, tuples lists."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


@attrs.frozen
class LocalModel:
    """A model present on a backend, as `list` shows it."""

    name: str
    backend: str
    size_bytes: int = 0
    quantization: str | None = None
    modified_at: float | None = None  # Unix seconds
    path: Path | None = None
    details: dict[str, Any] = attrs.field(factory=dict)
    #: "ok"; "dangling": linked to a file that is gone; "missing": its own file is gone.
    status: str = "ok"

    @property
    def id(self) -> str:
        return f"{self.backend}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        """`id`, `name`, `backend`, `size_bytes`, `quantization`, `modified_at` (int),
        `modified` (ISO), `path`, `status`, `details`."""
        return {
            "id": self.id,
            "name": self.name,
            "backend": self.backend,
            "size_bytes": self.size_bytes,
            "quantization": self.quantization,
            "modified_at": unix_seconds(self.modified_at),
            "modified": iso_time(self.modified_at),
            "path": _path(self.path),
            "status": self.status,
            "details": json_safe(self.details),
        }


@attrs.frozen
class ModelInfo:
    """Everything `info` can say about one model, read without loading its weights.

    `context_length` is the model's trained context when the backend knows it (None: unknown).
    """

    name: str
    backend: str
    format: str
    size_bytes: int = 0
    architecture: str | None = None
    parameter_count: int | None = None
    quantization: str | None = None
    context_length: int | None = None
    has_chat_template: bool | None = None
    license: str | None = None
    path: Path | None = None
    modified_at: float | None = None
    loaded: bool = False
    details: dict[str, Any] = attrs.field(factory=dict)
    #: The chat template's text, when the backend can show it (None: none, or not shown).
    chat_template: str | None = None

    @property
    def id(self) -> str:
        return f"{self.backend}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        """`id`, `name`, `backend`, `format`, `size_bytes`, `architecture`, `parameter_count`,
        `quantization`, `context_length`, `has_chat_template`, `chat_template`, `license`,
        `path`, `modified_at` (int), `modified` (ISO), `loaded`, `details`."""
        return {
            "id": self.id,
            "name": self.name,
            "backend": self.backend,
            "format": self.format,
            "size_bytes": self.size_bytes,
            "architecture": self.architecture,
            "parameter_count": self.parameter_count,
            "quantization": self.quantization,
            "context_length": self.context_length,
            "has_chat_template": self.has_chat_template,
            "chat_template": self.chat_template,
            "license": self.license,
            "path": _path(self.path),
            "modified_at": unix_seconds(self.modified_at),
            "modified": iso_time(self.modified_at),
            "loaded": self.loaded,
            "details": json_safe(self.details),
        }


@attrs.frozen
class CatalogEntry:
    """A model a backend can pull."""

    name: str
    backend: str
    size_bytes: int | None = None
    description: str = ""
    recommended: bool = False
    details: dict[str, Any] = attrs.field(factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """`name`, `backend`, `size_bytes`, `description`, `recommended`, `details`."""
        return {
            "name": self.name,
            "backend": self.backend,
            "size_bytes": self.size_bytes,
            "description": self.description,
            "recommended": self.recommended,
            "details": json_safe(self.details),
        }


@attrs.frozen
class PullProgress:
    """One progress event of a pull: a status line, and bytes when downloading."""

    model: str
    status: str
    completed: int = 0
    total: int = 0

    @property
    def percent(self) -> float:
        return 100.0 * self.completed / self.total if self.total else 0.0

    def to_dict(self) -> dict[str, Any]:
        """`model`, `status`, `completed`, `total` (bytes; 0 while unknown), `percent`."""
        return {
            "model": self.model,
            "status": self.status,
            "completed": self.completed,
            "total": self.total,
            "percent": round(self.percent, 1),
        }


#: `PullResult.status` values: the model was downloaded now, or was already there.
PULLED = "pulled"
PRESENT = "present"


@attrs.frozen
class PullResult:
    """What a pull did: `status` is "pulled" or "present"; `model` is the installed model."""

    model: LocalModel
    status: str = PULLED
    #: Bytes this pull fetched or had fetched (a resumed pull counts the resumed part too).
    bytes_downloaded: int = 0

    def to_dict(self) -> dict[str, Any]:
        """`status`, `model_id`, `model` (a LocalModel dict), `bytes_downloaded`,
        `bytes_total`, `percent_complete` (100.0: a pull either completes or raises)."""
        return {
            "status": self.status,
            "model_id": self.model.id,
            "model": self.model.to_dict(),
            "bytes_downloaded": self.bytes_downloaded,
            "bytes_total": self.model.size_bytes,
            "percent_complete": 100.0,
        }


@attrs.frozen
class RemoveResult:
    """A model that `remove` deleted."""

    name: str
    backend: str

    @property
    def id(self) -> str:
        return f"{self.backend}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        """`status` ("removed"), `id`, `name`, `backend`."""
        return {"status": "removed", "id": self.id, "name": self.name, "backend": self.backend}


@attrs.frozen
class ImportResult:
    """A model file that `import` registered; `linked` when the file was linked, not copied."""

    model: LocalModel
    source: Path
    linked: bool = False

    def to_dict(self) -> dict[str, Any]:
        """`status` ("imported"), `model_id`, `model` (a LocalModel dict), `source`, `linked`."""
        return {
            "status": "imported",
            "model_id": self.model.id,
            "model": self.model.to_dict(),
            "source": str(self.source),
            "linked": self.linked,
        }


@attrs.frozen
class LoadedModel:
    """A model held in memory by a backend, ready to answer without loading."""

    name: str
    path: Path | None = None
    size_bytes: int | None = None
    #: Bytes of it in GPU memory, when the backend says.
    vram_bytes: int | None = None
    context_length: int | None = None
    #: When the backend will unload it by itself (Unix seconds; None: not on its own).
    expires_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """`name`, `path`, `size_bytes`, `vram_bytes`, `context_length`, `expires_at` (int),
        `expires` (ISO)."""
        return {
            "name": self.name,
            "path": _path(self.path),
            "size_bytes": self.size_bytes,
            "vram_bytes": self.vram_bytes,
            "context_length": self.context_length,
            "expires_at": unix_seconds(self.expires_at),
            "expires": iso_time(self.expires_at),
        }


@attrs.frozen
class HealthStatus:
    """Whether a backend can serve requests now, and why not when it cannot."""

    backend: str
    healthy: bool
    version: str | None = None
    error: str | None = None
    model_count: int = 0
    endpoint: str | None = None
    device: str | None = None
    loaded: tuple[LoadedModel, ...] = attrs.field(default=(), converter=tuple)
    details: dict[str, Any] = attrs.field(factory=dict)
    #: Problems that leave the backend usable, one sentence each (e.g. a skipped manifest).
    notes: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    def to_dict(self) -> dict[str, Any]:
        """`backend`, `healthy`, `version`, `error`, `model_count`, `endpoint`, `device`,
        `loaded` (LoadedModel dicts), `notes`, `details`."""
        return {
            "backend": self.backend,
            "healthy": self.healthy,
            "version": self.version,
            "error": self.error,
            "model_count": self.model_count,
            "endpoint": self.endpoint,
            "device": self.device,
            "loaded": [m.to_dict() for m in self.loaded],
            "notes": list(self.notes),
            "details": json_safe(self.details),
        }


class ModelListing(list[LocalModel]):
    """What `Manager.list_models()` found: a list of the models, plus `skipped`.

    `skipped` maps each backend that was left out to why (down, failed, or disabled by its
    configuration), so a front end can say so instead of reading a side attribute.
    """

    def __init__(self, models: Iterable[LocalModel] = (), skipped: dict[str, str] | None = None):
        super().__init__(models)
        self.skipped: dict[str, str] = dict(skipped or {})

    @property
    def models(self) -> list[LocalModel]:
        return list(self)

    def to_dict(self) -> dict[str, Any]:
        """`models` (LocalModel dicts) and `skipped` (backend name → reason)."""
        return {"models": [m.to_dict() for m in self], "skipped": dict(self.skipped)}

    def __repr__(self) -> str:
        return f"ModelListing({list(self)!r}, skipped={self.skipped!r})"
