"""What backends report about models: installed ones, their details, the pullable catalog."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs


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

    @property
    def id(self) -> str:
        return f"{self.backend}/{self.name}"


@attrs.frozen
class ModelInfo:
    """Everything `info` can say about one model, read without loading its weights."""

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

    @property
    def id(self) -> str:
        return f"{self.backend}/{self.name}"


@attrs.frozen
class CatalogEntry:
    """A model a backend can pull."""

    name: str
    backend: str
    size_bytes: int | None = None
    description: str = ""
    recommended: bool = False
    details: dict[str, Any] = attrs.field(factory=dict)


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
    details: dict[str, Any] = attrs.field(factory=dict)


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

    def __repr__(self) -> str:
        return f"ModelListing({list(self)!r}, skipped={self.skipped!r})"
