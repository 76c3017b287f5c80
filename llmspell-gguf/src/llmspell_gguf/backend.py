"""The embedded GGUF backend: llama.cpp in this process, models in a local directory.

Inference lives in `provider` / `generation` (models shared process-wide by `loader`);
model management is the store's (`store.GgufStore`), to which this class delegates.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

import attrs
from llmspell import (
    Backend,
    BackendSettings,
    BackendUnavailableError,
    HealthStatus,
    LlmspellError,
    LoadedModel,
    PullResult,
)

from . import bindings, hardware, loader
from .concurrency import GenerationSlots
from .options import GgufOptions

if TYPE_CHECKING:
    from llmspell.backend import ProgressCallback
    from llmspell.models import CatalogEntry, LocalModel, ModelInfo

    from .provider import GgufProvider
    from .store import GgufStore

_NOT_INSTALLED = (
    "llama-cpp-python is not installed, so GGUF models cannot run here. "
    "Install it with: pip install llama-cpp-python"
)


class GgufBackend(Backend):
    type_name: ClassVar[str] = "gguf"
    #: Scripts written for the Rust llmspell name this backend `candle`.
    aliases: ClassVar[tuple[str, ...]] = ("candle",)
    priority: ClassVar[int] = 20
    options_type: ClassVar[type] = GgufOptions

    def __init__(self, settings: BackendSettings | None = None) -> None:
        super().__init__(settings or BackendSettings("gguf", "gguf", options=GgufOptions()))
        self.options: GgufOptions
        #: Bounds parallel generations of every provider this backend hands out.
        self.slots = GenerationSlots(self.options.max_concurrent)
        self._generators: dict[str, GgufProvider] = {}

    @cached_property
    def store(self) -> GgufStore:
        from .store import GgufStore

        return GgufStore(self.options)

    @cached_property
    def load_options(self) -> loader.LoadOptions:
        return loader.LoadOptions.from_options(self.options)

    # -- health ------------------------------------------------------------------

    def health(self) -> HealthStatus:
        endpoint = str(self.options.model_dir)
        try:
            bindings.load()
        except ImportError:
            return HealthStatus(self.name, False, error=_NOT_INSTALLED, endpoint=endpoint)
        version = bindings.version()
        gpu = hardware.gpu_offload_supported()
        device = "gpu offload" if gpu else "cpu"
        details = {
            "threads": hardware.cpu_threads(self.options.cpu_threads),
            "context_size": self.options.context_size,
            "flash_attention": self.options.flash_attention,
            "max_concurrent": self.slots.limit,
            "parallel": self.options.parallel,
        }
        loaded = self._loaded()
        try:
            loader.gpu_layers(self.options.device)
        except BackendUnavailableError as exc:
            return HealthStatus(
                self.name, False, version, str(exc), endpoint=endpoint, device=device,
                loaded=loaded, details=details,
            )  # fmt: skip
        try:
            count = len(self.store.list_models())
        except Exception as exc:  # a broken model directory must not hide the backend
            said = str(exc) if isinstance(exc, LlmspellError) else f"{type(exc).__name__}: {exc}"
            return HealthStatus(
                self.name, False, version, f"Cannot read the model directory. {said}",
                endpoint=endpoint, device=device, loaded=loaded, details=details,
            )  # fmt: skip
        return HealthStatus(
            self.name, True, version, model_count=count, endpoint=endpoint, device=device,
            loaded=loaded, details=details, notes=self.store.problems,  # skipped manifests
        )  # fmt: skip

    def _loaded(self) -> list[LoadedModel]:
        """The files llama.cpp holds in this process, named as this backend's models."""
        names = {provider.path: model for model, provider in self._generators.items()}
        out = []
        for path in loader.loaded_paths():
            size = path.stat().st_size if path.exists() else None
            out.append(LoadedModel(names.get(path, path.name), path, size))
        return out

    # -- inference ---------------------------------------------------------------

    def generator(self, model: str) -> GgufProvider:
        """A provider for `model`; its file is loaded now (once per process)."""
        from .provider import GgufProvider

        path = self.store.path_of(model)
        cached = self._generators.get(model)
        if cached is not None and cached.path == path:
            return cached
        provider = GgufProvider(model, path, self.load_options, self.slots)
        self._generators[model] = provider
        return provider

    def unload(self, model: str | None = None) -> None:
        if model is None:
            loader.unload()
            return
        loader.unload(self.store.path_of(model))

    # -- model management (the store's) -------------------------------------------

    def list_models(self) -> list[LocalModel]:
        models = self.store.list_models()
        self.store.say_problems()  # damaged manifests were skipped: say so (health has notes)
        return models

    def has_model(self, model: str) -> bool:
        return self.store.has(model)

    def info(self, model: str) -> ModelInfo:
        info = self.store.info(model)
        return attrs.evolve(info, loaded=info.path is not None and loader.is_loaded(info.path))

    def pull(
        self,
        model: str,
        *,
        force: bool = False,
        quantization: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> PullResult:
        if force and (path := self.store.usable_path(model)) is not None:
            loader.unload(path)
        return self.store.pull(model, force=force, quantization=quantization, progress=progress)

    def remove(self, model: str) -> None:
        if (path := self.store.usable_path(model)) is not None:
            loader.unload(path)
        self._generators.pop(model, None)
        self.store.remove(model)

    def available(self) -> list[CatalogEntry]:
        return self.store.available()

    def import_file(self, path: str, name: str | None = None, *, link: bool = False) -> LocalModel:
        return self.store.import_file(path, name, link=link)
