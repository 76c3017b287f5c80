"""The one façade the CLI, the Lua bridge and Python users call.

It owns the configuration and the backends registered by plugins, turns specs into
(backend, model) pairs, and exposes model management and agents. Backends are created on
first use and kept, so a model loaded once stays loaded for the life of the manager.
"""

from __future__ import annotations

import difflib
import logging
import os
import threading
from collections.abc import Callable
from typing import TypeVar

import attrs

from . import names as naming  # forgiving model names (#15)
from .agent import Agent
from .backend import Backend, ProgressCallback, overrides
from .config import Config, load_config
from .errors import (
    BackendUnavailableError,
    ConfigError,
    LlmspellError,
    ModelNotFoundError,
    NotSupportedError,
    RuntimeFailure,
    UnknownBackendError,
)
from .inference import DEFAULT_PARAMS, GenerationParams
from .models import (
    PRESENT,
    PULLED,
    CatalogEntry,
    HealthStatus,
    LocalModel,
    ModelInfo,
    ModelListing,
    PullProgress,
    PullResult,
    RemoveResult,
)
from .plugins import PluginRecord, list_plugins, plugin_manager
from .registry import BackendFault, Registry
from .registry import build as build_registry
from .resolve import health_of
from .spec import ModelSpec, canonical_backend, parse_spec

log = logging.getLogger("llmspell")
T = TypeVar("T")


@attrs.frozen
class Resolution:
    backend: Backend
    spec: ModelSpec
    #: Said to the user when resolution fell back from the preferred backend.
    note: str | None = None


class Manager:
    def __init__(self, config: Config | None = None) -> None:
        self.config = config if config is not None else load_config()
        self.on_note: Callable[[str], None] = lambda note: log.warning("%s", note)
        self._faults_noted = False
        self._registry: Registry | None = None
        self._building = threading.Lock()

    @classmethod
    def from_config_file(cls, path: str | os.PathLike[str] | None = None) -> Manager:
        return cls(load_config(path))

    # -- backends -------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        """Registered types, built instances and what failed, each plugin and table isolated.

        Built once, on first use, even when several threads ask at once (agents made in a
        thread pool, a kernel's first requests): `functools.cached_property` has no lock
        from Python 3.12, and two builds would make two instances of every backend."""
        built = self._registry
        if built is None:
            with self._building:
                built = self._registry
                if built is None:
                    pm, _ = plugin_manager()
                    built = self._registry = build_registry(pm, self.config)
        return built

    @property
    def backends(self) -> dict[str, Backend]:
        """Working backends by instance name, in priority order."""
        return self.registry.backends

    @property
    def faults(self) -> dict[str, BackendFault]:
        """Backends that could not be built (a configuration mistake or a failing plugin)."""
        return self.registry.faults

    @property
    def aliases(self) -> dict[str, str]:
        return self.registry.aliases

    @property
    def backend_names(self) -> list[str]:
        """Every configured backend name, working or not (a broken one is named to explain)."""
        return [*self.backends, *(n for n in self.faults if n not in self.backends)]

    def backend(self, name: str) -> Backend:
        """The backend called `name` (or an alias of it); bad or broken names raise why."""
        key = canonical_backend(name, self.backend_names, self.aliases)
        if key in self.faults:
            raise self.faults[key].error()
        return self.backends[key]

    def parse(self, spec: str | ModelSpec) -> ModelSpec:
        if isinstance(spec, ModelSpec):
            return spec
        return parse_spec(spec, self.backend_names, self.aliases)

    def resolve(self, spec: str | ModelSpec) -> Resolution:
        """Which backend serves `spec`; `local/...` is resolved by the resolution hook."""
        parsed = naming.with_default_tag(self, self.parse(spec))  # `smollm2` → `smollm2:135m` (#15)
        if parsed.target_backend:
            return Resolution(self.backend(parsed.target_backend), parsed)
        self._check_default_backend()
        self._note_faults()
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

    def _check_default_backend(self) -> None:
        wanted = self.config.default_backend
        if not wanted:
            return
        try:
            self.backend(wanted)  # broken: raises why
        except UnknownBackendError:
            known = self.backend_names
            hint = difflib.get_close_matches(wanted, [*known, *self.aliases], n=1)
            extra = f" Did you mean {self.aliases.get(hint[0], hint[0])!r}?" if hint else ""
            origin = str(self.config.source) if self.config.source else "the configuration"
            raise ConfigError(
                f"{origin}: default_backend is {wanted!r}, which is not an installed backend "
                f"(installed: {', '.join(known) or 'none'}).{extra}"
            ) from None

    def _note_faults(self) -> None:
        """Once per manager: commands that pass over a broken backend say so in one line."""
        if self._faults_noted:
            return
        self._faults_noted = True
        for fault in self.faults.values():
            self.on_note(f"{fault.name} is disabled: {fault.reason}")

    def removal_target(self, spec: str | ModelSpec) -> Resolution:
        """`resolve`, for a removal: a model no backend has is said so, without "pull it first"."""
        try:
            return self.resolve(spec)
        except ModelNotFoundError:  # store (#12, item 7)
            names = ", ".join(self.backends) or "none"
            raise ModelNotFoundError(
                f"Nothing to remove: no installed backend has {self.parse(spec).name!r} "
                f"(installed: {names})."
                + naming.installed_hint(self, self.parse(spec))  # "did you mean" (#15)
                + " llmspell model list shows what is installed."
            ) from None

    def _not_found(self, spec: ModelSpec) -> str:
        names = ", ".join(self.backends) or "none"
        down = [b.name for b in self.backends.values() if not health_of(b).healthy]
        hint = f" (not running: {', '.join(down)})" if down else ""
        pullers = [b for b in self.backends.values() if overrides(b, "pull")]
        ready = [b for b in pullers if health_of(b).healthy] or pullers
        at = f"@{ready[0].name}" if ready else ""
        pull = f"llmspell model pull {spec.name}{at}"
        return (
            f"No installed backend has {spec.name!r} (installed: {names}{hint}). "
            + naming.next_step(self, spec, pull)  # "did you mean", or a pull that works (#15)
        )

    # -- status and model management -----------------------------------------

    def status(self) -> list[HealthStatus]:
        """Every backend's health; a backend that could not be built is unhealthy with why."""
        found = [health_of(b, fresh=True) for b in self.backends.values()]
        found += [HealthStatus(f.name, False, error=f.reason) for f in self.faults.values()]
        return found

    def list_models(self, backend: str | None = None) -> ModelListing:
        """Installed models; when all backends are asked, failing ones are skipped with why."""
        if backend is not None:
            b = self.backend(backend)
            return ModelListing(contained(b, "list its models", b.list_models))
        models: list[LocalModel] = []
        skipped = {f.name: f"disabled: {f.reason}" for f in self.faults.values()}
        for b in self.backends.values():
            try:
                models += contained(b, "list its models", b.list_models)
            except LlmspellError as exc:
                skipped[b.name] = str(exc)
        return ModelListing(models, skipped)

    def info(self, spec: str | ModelSpec) -> ModelInfo:
        r = self.resolve(spec)
        try:
            return r.backend.info(r.spec.name)
        except ModelNotFoundError as exc:
            raise naming.look_alike(exc, self, r.spec) from None  # "did you mean" (#15)

    def remove(self, spec: str | ModelSpec) -> RemoveResult:
        r = self.removal_target(spec)
        r.backend.remove(r.spec.name)
        return RemoveResult(r.spec.name, r.backend.name)

    def installed(
        self, spec: str | ModelSpec, quantization: str | None = None
    ) -> LocalModel | None:
        """The installed model `spec` names (in `quantization`, if given), or None."""
        try:
            r = self.resolve(spec)
            models = contained(r.backend, "list its models", r.backend.list_models)
        except LlmspellError:
            return None
        found = next((m for m in models if m.name == r.spec.name), None)
        if found and quantization and (found.quantization or "").upper() != quantization.upper():
            return None  # another quantization was asked for: the backend decides
        return found

    def pull(
        self,
        spec: str | ModelSpec,
        *,
        force: bool = False,
        quantization: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> PullResult:
        """Download a model; a spec without a backend goes to the first healthy one that pulls.

        Unless `force`, a model already installed is not pulled again (status "present").
        """
        parsed = naming.for_pull(self, self.parse(spec))  # `llama3.2` → `llama3.2:1b` (#15)
        report = progress or (lambda _event: None)
        present = None if force else self.installed(parsed, quantization)
        if present is not None and overrides(self.backend(present.backend), "pull"):
            size = present.size_bytes
            report(PullProgress(parsed.name, "already present", size, size))
            return PullResult(present, PRESENT)
        r = self._pull_target(parsed)
        fetched = [0]

        def track(event: PullProgress) -> None:
            if event.total:
                fetched[0] = event.completed
            report(event)

        try:
            out = r.backend.pull(
                r.spec.name, force=force, quantization=quantization, progress=track
            )
        except ModelNotFoundError as exc:
            raise naming.explained(exc, self, r.spec) from None  # with "did you mean" (#15)
        result = out if isinstance(out, PullResult) else PullResult(out, PULLED)
        if result.status == PULLED and not result.bytes_downloaded:
            result = attrs.evolve(result, bytes_downloaded=fetched[0])
        return result

    def _pull_target(self, spec: ModelSpec) -> Resolution:
        if spec.target_backend:
            return Resolution(self.backend(spec.target_backend), spec)
        if self.config.default_backend:
            self._check_default_backend()
            return Resolution(self.backend(self.config.default_backend), spec)
        self._note_faults()
        pullers = [b for b in self.backends.values() if overrides(b, "pull")]
        for b in pullers:
            if health_of(b).healthy and any(e.name == spec.name for e in _catalog(b)):
                return Resolution(b, spec)
        for b in pullers:
            if health_of(b).healthy:
                return Resolution(b, spec)
        raise BackendUnavailableError(
            f"No backend is available to pull {spec.name!r}; see llmspell model status."
        )

    def available(
        self, backend: str | None = None, recommended: bool = False
    ) -> list[CatalogEntry]:
        """Pullable models; a backend named explicitly raises its catalog's error."""
        if backend is not None:
            b = self.backend(backend)
            entries = contained(b, "read its catalog", b.available)
        else:
            self._note_faults()
            entries = []
            for b in self.backends.values():
                try:
                    entries += contained(b, "read its catalog", b.available)
                except LlmspellError as exc:
                    self.on_note(f"skipped {b.name}: {exc}")
        return [e for e in entries if e.recommended] if recommended else entries

    def import_file(
        self, path: str, name: str | None = None, *, backend: str | None = None, link: bool = False
    ) -> LocalModel:
        """Register a model file on disk with `backend` (default: the first that imports files)."""
        if backend is not None:
            return self.backend(backend).import_file(path, name, link=link)
        importers = [b for b in self.backends.values() if overrides(b, "import_file")]
        if not importers:
            raise NotSupportedError(
                "No installed backend can import model files; install one that can "
                "(see docs/plugins.md), then retry."
            )
        return importers[0].import_file(path, name, link=link)

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
            generator = r.backend.generator(r.spec.name)
        except ModelNotFoundError as exc:
            if not self.config.auto_pull_missing:
                raise naming.look_alike(exc, self, self.parse(spec)) from None  # (#15)
            self.pull(spec, progress=progress)
            r = self.resolve(spec)
            generator = r.backend.generator(r.spec.name)
        defaults = GenerationParams() if type(r.backend).server_defaults else DEFAULT_PARAMS
        return Agent(
            generator,
            name=name,
            system_prompt=system_prompt,
            params=params or GenerationParams(),
            defaults=defaults,
        )

    def plugins(self) -> list[PluginRecord]:
        """Every plugin with its load or registration error and the backends it provides."""
        reg = self.registry
        out = []
        for record in list_plugins():
            types = {t for t, p in reg.plugin_of_type.items() if p == record.name}
            names = tuple(n for n, b in reg.backends.items() if b.settings.type_name in types)
            faults = tuple(f for f in reg.faults.values() if f.plugin == record.name)
            error = record.error or reg.plugin_errors.get(record.name)
            out.append(attrs.evolve(record, error=error, backends=names, faults=faults))
        return out


def contained(backend: Backend, action: str, call: Callable[[], T]) -> T:
    """`call()`, with a plugin's unexpected exception turned into a failure of that backend."""
    try:
        return call()
    except LlmspellError:
        raise
    except Exception as exc:
        raise BackendUnavailableError(
            f"The {backend.name} backend failed to {action}: {type(exc).__name__}: {exc}. "
            "This is a bug in its plugin; llmspell plugins shows which one."
        ) from exc


def _catalog(backend: Backend) -> list[CatalogEntry]:
    """For choosing where to pull: a catalog that cannot be read counts as empty."""
    try:
        return backend.available()
    except Exception:
        return []


__all__ = ["Manager", "Resolution", "RuntimeFailure"]
