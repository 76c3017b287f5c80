"""Plugin discovery through the `llmspell` entry-point group.

Each plugin is loaded on its own: one that fails to import is recorded with its error and
skipped, never fatal. `LLMSPELL_LOAD_PLUGINS` (a comma list of entry-point or
distribution names; empty for none) restricts what is loaded.
"""

from __future__ import annotations

import os
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from . import hookspecs

if TYPE_CHECKING:
    from .registry import BackendFault

GROUP = "llmspell"


@attrs.frozen
class PluginRecord:
    """One entry point of the `llmspell` group, loaded or not."""

    name: str
    distribution: str | None
    version: str | None
    hooks: tuple[str, ...] = ()
    #: Why the plugin is not working: it failed to import, or its registration hook raised.
    error: str | None = None
    #: Backend instances this plugin's types provide, and the ones that could not be built.
    backends: tuple[str, ...] = ()
    faults: tuple[BackendFault, ...] = ()

    @property
    def loaded(self) -> bool:
        return self.error is None

    @property
    def status(self) -> str:
        """`loaded`, or `error` when the plugin or one of its backends failed."""
        return "loaded" if self.error is None and not self.faults else "error"

    def to_dict(self) -> dict[str, Any]:
        """`name`, `distribution`, `version`, `hooks`, `loaded`, `error`, `status`,
        `backends`, `faults` (BackendFault dicts)."""
        return {
            "name": self.name,
            "distribution": self.distribution,
            "version": self.version,
            "hooks": list(self.hooks),
            "loaded": self.loaded,
            "error": self.error,
            "status": self.status,
            "backends": list(self.backends),
            "faults": [f.to_dict() for f in self.faults],
        }


def _wanted() -> set[str] | None:
    raw = os.environ.get("LLMSPELL_LOAD_PLUGINS")
    if raw is None:
        return None
    return {part.strip() for part in raw.split(",") if part.strip()}


def _dist(ep: EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(ep, "dist", None)
    return (dist.name, dist.version) if dist is not None else (None, None)


@cache
def plugin_manager() -> tuple[pluggy.PluginManager, tuple[PluginRecord, ...]]:
    """The process-wide plugin manager and what loading each plugin did."""
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    from . import resolve

    pm.register(resolve, name="llmspell.resolve")
    wanted = _wanted()
    records: list[PluginRecord] = []
    seen: set[str] = set()
    for ep in entry_points(group=GROUP):
        dist_name, version = _dist(ep)
        if ep.name in seen:
            continue
        seen.add(ep.name)
        if wanted is not None and ep.name not in wanted and dist_name not in wanted:
            continue
        try:
            module = ep.load()
            pm.register(module, name=ep.name)
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"
            records.append(PluginRecord(ep.name, dist_name, version, error=message))
            continue
        hooks = tuple(sorted(h.name for h in pm.get_hookcallers(module) or ()))
        records.append(PluginRecord(ep.name, dist_name, version, hooks))
    return pm, tuple(records)


def list_plugins() -> list[PluginRecord]:
    """Every plugin entry point considered, with its version and load error, if any."""
    return list(plugin_manager()[1])
