"""The one façade the CLI, the Lua bridge and Python users call.

It owns the configuration and the backends registered by plugins, turns specs into
(backend, model) pairs, and exposes model management and agents. Backends are created on
first use and kept, so a model loaded once stays loaded for the life of the manager.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from functools import cached_property

import attrs

from .agent import Agent
from .backend import Backend, ProgressCallback
from .config import Config, load_config
from .errors import (
    BackendUnavailableError,
    BadInputError,
    LlmspellError,
    ModelNotFoundError,
    RuntimeFailure,
)
from .inference import GenerationParams
from .models import CatalogEntry, HealthStatus, LocalModel, ModelInfo
from .plugins import PluginRecord, list_plugins, plugin_manager
from .resolve import health_of
from .spec import ModelSpec, canonical_backend, parse_spec

log = logging.getLogger("llmspell")


@attrs.frozen
class Resolution:
    backend: Backend
    spec: ModelSpec
    #: Said to the user when resolution fell back from the preferred backend.
    note: str | None = None


class Manager:
    def __init__(self, config: Config | None = None) -> None:
        self.config = config if config is not None else load_config()
        #: Why backends were left out of the last `list_models()` (backend name → reason).
        self.skipped: dict[str, str] = {}
        #: Plugins whose `llmspell_register_backends` raised (plugin name → error).
        self.registration_errors: dict[str, str] = {}
        self.on_note: Callable[[str], None] = lambda note: log.warning("%s", note)

    @classmethod
    def from_config_file(cls, path: str | os.PathLike[str] | None = None) -> Manager:
        return cls(load_config(path))

    # -- backends -------------------------------------------------------------

    @cached_property
    def backends(self) -> dict[str, Backend]:
        """Enabled backends by name, in priority order (each plugin registered in isolation)."""
        found: dict[str, Backend] = {}

        def register(backend: Backend) -> None:
            if self.config.provider(backend.name).enabled:
                found.setdefault(backend.name, backend)

        pm, _ = plugin_manager()
        for impl in pm.hook.llmspell_register_backends.get_hookimpls():
            try:
                impl.function(register=register, config=self.config)
            except BadInputError:
                raise  # the user's configuration is wrong: say so rather than hide a backend
            except Exception as exc:
                self.registration_errors[impl.plugin_name] = f"{type(exc).__name__}: {exc}"
        return dict(sorted(found.items(), key=lambda kv: kv[1].priority))

    @property
    def aliases(self) -> dict[str, str]:
        return {alias: b.name for b in self.backends.values() for alias in b.aliases}

    def backend(self, name: str) -> Backend:
        """The backend called `name` (or an alias of it); bad names raise with the list."""
        return self.backends[canonical_backend(name, self.backends, self.aliases)]

    def parse(self, spec: str | ModelSpec) -> ModelSpec:
        if isinstance(spec, ModelSpec):
            return spec
        return parse_spec(spec, self.backends, self.aliases)

    def resolve(self, spec: str | ModelSpec) -> Resolution:
        """Which backend serves `spec`; `local/...` is resolved by the resolution hook."""
        parsed = self.parse(spec)
        if parsed.target_backend:
            return Resolution(self.backend(parsed.target_backend), parsed)
        pm, _ = plugin_manager()
        chosen = pm.hook.llmspell_resolve_backend(
            spec=parsed, backends=list(self.backends.values()), config=self.config
        )
        if chosen is None:
            raise ModelNotFoundError(self._not_found(parsed))
        backend, note = chosen
        if note:
            self.on_note(note)
        return Resolution(backend, parsed, note)

    def _not_found(self, spec: ModelSpec) -> str:
        names = ", ".join(self.backends) or "none"
        down = [b.name for b in self.backends.values() if not health_of(b).healthy]
        hint = f" (not running: {', '.join(down)})" if down else ""
        return (
            f"No installed backend has {spec.name!r} (installed: {names}{hint}). "
            f"Pull it first, e.g. llmspell model pull {spec.name}@gguf."
        )

    # -- status and model management -----------------------------------------

    def status(self) -> list[HealthStatus]:
        return [health_of(b, fresh=True) for b in self.backends.values()]

    def list_models(self, backend: str | None = None) -> list[LocalModel]:
        """Installed models; when all backends are asked, ones that are down are skipped."""
        self.skipped = {}
        if backend is not None:
            return self.backend(backend).list_models()
        models: list[LocalModel] = []
        for b in self.backends.values():
            try:
                models += b.list_models()
            except LlmspellError as exc:
                self.skipped[b.name] = str(exc)
        return models

    def info(self, spec: str | ModelSpec) -> ModelInfo:
        r = self.resolve(spec)
        return r.backend.info(r.spec.name)

    def remove(self, spec: str | ModelSpec) -> None:
        r = self.resolve(spec)
        r.backend.remove(r.spec.name)

    def pull(
        self,
        spec: str | ModelSpec,
        *,
        force: bool = False,
        quantization: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> LocalModel:
        """Download a model; a spec without a backend goes to the first healthy one that pulls."""
        r = self._pull_target(self.parse(spec))
        return r.backend.pull(
            r.spec.name, force=force, quantization=quantization, progress=progress
        )

    def _pull_target(self, spec: ModelSpec) -> Resolution:
        if spec.target_backend:
            return Resolution(self.backend(spec.target_backend), spec)
        if self.config.default_backend:
            return Resolution(self.backend(self.config.default_backend), spec)
        for b in self.backends.values():
            if health_of(b).healthy and any(e.name == spec.name for e in b.available()):
                return Resolution(b, spec)
        for b in self.backends.values():
            if health_of(b).healthy:
                return Resolution(b, spec)
        raise BackendUnavailableError(
            f"No backend is available to pull {spec.name!r}; see llmspell model status."
        )

    def available(
        self, backend: str | None = None, recommended: bool = False
    ) -> list[CatalogEntry]:
        chosen = [self.backend(backend)] if backend else list(self.backends.values())
        entries = [e for b in chosen for e in b.available()]
        return [e for e in entries if e.recommended] if recommended else entries

    def import_file(
        self, path: str, name: str | None = None, *, backend: str = "gguf", link: bool = False
    ) -> LocalModel:
        return self.backend(backend).import_file(path, name, link=link)

    def unload(self, spec: str | ModelSpec | None = None) -> None:
        if spec is None:
            for b in self.backends.values():
                b.unload()
            return
        r = self.resolve(spec)
        r.backend.unload(r.spec.name)

    # -- inference -------------------------------------------------------------

    def agent(
        self,
        spec: str | ModelSpec,
        *,
        system_prompt: str | None = None,
        params: GenerationParams | None = None,
        name: str = "agent",
        progress: ProgressCallback | None = None,
    ) -> Agent:
        """An agent on `spec`; with `auto_pull_missing` a model that is not present is pulled."""
        try:
            r = self.resolve(spec)
            provider = r.backend.provider(r.spec.name)
        except ModelNotFoundError:
            if not self.config.auto_pull_missing:
                raise
            self.pull(spec, progress=progress)
            r = self.resolve(spec)
            provider = r.backend.provider(r.spec.name)
        return Agent(
            provider, name=name, system_prompt=system_prompt, params=params or GenerationParams()
        )

    def plugins(self) -> list[PluginRecord]:
        return list_plugins()


__all__ = ["Manager", "Resolution", "RuntimeFailure"]
