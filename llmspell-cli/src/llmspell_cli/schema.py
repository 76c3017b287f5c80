"""The JSON shapes of `--format json`, in one place because scripts depend on them.

Keys are only ever added, never renamed or removed. Sizes are bytes, times are Unix seconds
(`modified_at`) plus the same instant in ISO 8601 UTC (`modified`), unknown values are null.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .formatting import iso_time

if TYPE_CHECKING:
    from llmspell import CatalogEntry, HealthStatus, LocalModel, ModelInfo, PluginRecord


def _path(value: Any) -> str | None:
    return None if value is None else str(value)


def local_model(m: LocalModel) -> dict[str, Any]:
    return {
        "id": m.id,
        "name": m.name,
        "backend": m.backend,
        "size_bytes": m.size_bytes,
        "quantization": m.quantization,
        "modified_at": m.modified_at,
        "modified": iso_time(m.modified_at),
        "path": _path(m.path),
        "details": m.details,
    }


def model_info(i: ModelInfo) -> dict[str, Any]:
    return {
        "id": i.id,
        "name": i.name,
        "backend": i.backend,
        "format": i.format,
        "size_bytes": i.size_bytes,
        "architecture": i.architecture,
        "parameter_count": i.parameter_count,
        "quantization": i.quantization,
        "context_length": i.context_length,
        "has_chat_template": i.has_chat_template,
        "license": i.license,
        "path": _path(i.path),
        "modified_at": i.modified_at,
        "modified": iso_time(i.modified_at),
        "loaded": i.loaded,
        "details": i.details,
    }


def catalog_entry(e: CatalogEntry) -> dict[str, Any]:
    return {
        "name": e.name,
        "backend": e.backend,
        "size_bytes": e.size_bytes,
        "description": e.description,
        "recommended": e.recommended,
        "details": e.details,
    }


def health(s: HealthStatus) -> dict[str, Any]:
    return {
        "backend": s.backend,
        "healthy": s.healthy,
        "version": s.version,
        "error": s.error,
        "model_count": s.model_count,
        "endpoint": s.endpoint,
        "device": s.device,
        "details": s.details,
    }


def plugin(p: PluginRecord) -> dict[str, Any]:
    return {
        "name": p.name,
        "distribution": p.distribution,
        "version": p.version,
        "hooks": list(p.hooks),
        "loaded": p.loaded,
        "error": p.error,
        "status": p.status,
        "backends": list(p.backends),
        "faults": [f.to_dict() for f in p.faults],
    }
