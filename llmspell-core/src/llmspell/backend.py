"""The contract a backend plugin implements.

A plugin registers `Backend` instances through the `llmspell_register_backends` hook.
Only `health`, `list_models` and `provider` are required; model management methods
default to `NotSupportedError`, so a minimal provider plugin stays about 30 lines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import ClassVar, Protocol

from .errors import ModelNotFoundError, NotSupportedError
from .inference import CompletionRequest, CompletionResult, StreamChunk, collect
from .models import CatalogEntry, HealthStatus, LocalModel, ModelInfo, PullProgress

ProgressCallback = Callable[[PullProgress], None]


class Provider(Protocol):
    """A model ready to generate. Backends keep providers (and loaded weights) for reuse."""

    model: str
    context_length: int

    def stream(self, request: CompletionRequest) -> Iterator[StreamChunk]:
        """Yield text as it is generated, then one final chunk carrying the result."""
        ...

    def complete(self, request: CompletionRequest) -> CompletionResult: ...


class StreamingProvider:
    """Mixin for providers that implement only `stream`."""

    def complete(self, request: CompletionRequest) -> CompletionResult:
        return collect(self.stream(request))  # type: ignore[attr-defined]


class Backend:
    """One inference engine (Ollama, GGUF, ...) and the models it holds."""

    name: ClassVar[str]
    #: Other names accepted wherever a backend is named (`candle` for `gguf`).
    aliases: ClassVar[tuple[str, ...]] = ()
    #: Auto-resolution tries backends in ascending order (Ollama first).
    priority: ClassVar[int] = 100

    def health(self) -> HealthStatus:
        """Whether the backend can serve now; must answer fast (about a second) when down."""
        raise NotImplementedError

    def list_models(self) -> list[LocalModel]:
        """The models present on this backend."""
        raise NotImplementedError

    def provider(self, model: str) -> Provider:
        """A provider for `model`, loaded once and reused for later calls."""
        raise NotImplementedError

    def has_model(self, model: str) -> bool:
        return any(m.name == model for m in self.list_models())

    def info(self, model: str) -> ModelInfo:
        for m in self.list_models():
            if m.name == model:
                return ModelInfo(m.name, self.name, "unknown", m.size_bytes, path=m.path)
        raise ModelNotFoundError(f"{self.name} has no model {model!r}.")

    def pull(
        self,
        model: str,
        *,
        force: bool = False,
        quantization: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> LocalModel:
        raise NotSupportedError(f"The {self.name} backend cannot pull models.")

    def remove(self, model: str) -> None:
        raise NotSupportedError(f"The {self.name} backend cannot remove models.")

    def available(self) -> list[CatalogEntry]:
        return []

    def unload(self, model: str | None = None) -> None:
        """Free a loaded model (all of them when `model` is None)."""

    def import_file(self, path: str, name: str | None = None, *, link: bool = False) -> LocalModel:
        raise NotSupportedError(f"The {self.name} backend cannot import model files.")
