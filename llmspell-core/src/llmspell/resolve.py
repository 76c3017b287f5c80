"""The core's own spec resolution: `default_backend`, then the first healthy backend
(by priority, Ollama first) that has the model, with fallback when the preferred one is down.

Registered as a plugin that runs last, so other plugins can override routing.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .hookspecs import hookimpl

if TYPE_CHECKING:  # imported for real only when resolving, not when plugins load
    from .backend import Backend
    from .config import Config
    from .models import HealthStatus
    from .spec import ModelSpec

_HEALTH_TTL = 5.0
_health_cache: weakref.WeakKeyDictionary[Backend, tuple[float, HealthStatus]] = (
    weakref.WeakKeyDictionary()
)


def health_of(backend: Backend, *, fresh: bool = False) -> HealthStatus:
    """`backend.health()`, cached for a few seconds so one command asks a down server once."""
    now = time.monotonic()
    cached = _health_cache.get(backend)
    if cached and not fresh and now - cached[0] < _HEALTH_TTL:
        return cached[1]
    try:
        status = backend.health()
    except Exception as exc:
        from .models import HealthStatus

        status = HealthStatus(backend.name, False, error=f"{type(exc).__name__}: {exc}")
    _health_cache[backend] = (now, status)
    return status


def _has(backend: Backend, spec: ModelSpec) -> bool:
    try:
        return backend.has_model(spec.name)
    except Exception:
        return False


@hookimpl(trylast=True)
def llmspell_resolve_backend(
    spec: ModelSpec, backends: Sequence[Backend], config: Config
) -> tuple[Backend, str | None] | None:
    ordered = sorted(backends, key=lambda b: b.priority)
    wanted = config.default_backend
    preferred = next((b for b in ordered if b.name == wanted), None) or next(
        (b for b in ordered if b.name == b.settings.type_name and wanted in type(b).aliases), None
    )  # an alias in default_backend names its backend
    if preferred is not None:
        status = health_of(preferred)
        if status.healthy:
            return preferred, None
        for other in ordered:
            if other is not preferred and health_of(other).healthy and _has(other, spec):
                why = status.error or "not healthy"
                return other, f"{preferred.name} is not available ({why}); using {other.name}."
        return preferred, None
    for backend in ordered:
        if health_of(backend).healthy and _has(backend, spec):
            return backend, None
    return None
