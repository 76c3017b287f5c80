"""The contract a backend plugin implements.

A plugin registers backend *types* (`Backend` subclasses) through the
`llmspell_register_backends` hook; the core builds one instance per `[providers.NAME]` table
(or one default instance named `type_name` when no table configures the type) and hands it
its `BackendSettings`. Only `health`, `list_models` and `generator` are required; model
management methods default to `NotSupportedError`, so a minimal plugin stays about 30 lines.

Words, one meaning each: a *backend* is an instance (a `[providers.NAME]` table; "provider"
in specs, tables and `CompletionResult.provider` names the same thing); a *generator* is a
model ready to generate, handed out by `Backend.generator(model)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, Protocol

import attrs

from .errors import ModelNotFoundError, NotSupportedError
from .inference import CompletionRequest, CompletionResult, StreamChunk, collect
from .models import CatalogEntry, HealthStatus, LocalModel, ModelInfo, PullProgress, PullResult

ProgressCallback = Callable[[PullProgress], None]


@attrs.frozen
class BackendSettings:
    """What the core read from one `[providers.NAME]` table, `${VAR}`s expanded.

    `options` is an instance of the backend's `options_type` (`{}` when it declares none);
    `source` is the configuration file, for messages (None: built-in defaults).
    """

    name: str
    type_name: str
    base_url: str | None = None
    api_key: str | None = attrs.field(default=None, repr=False)
    timeout_seconds: float = 120.0
    options: Any = attrs.field(factory=dict)
    source: Path | None = None


class TextGenerator(Protocol):
    """A model ready to generate. Backends keep generators (and loaded weights) for reuse.

    `context_length` is the tokens the model holds (prompt plus reply), or None when the
    backend cannot tell; the agent trims a long conversation to it.
    """

    model: str
    context_length: int | None

    def stream(self, request: CompletionRequest) -> Iterator[StreamChunk]:
        """Yield text as it is generated, then one final chunk carrying the result."""
        ...

    def complete(self, request: CompletionRequest) -> CompletionResult: ...


class StreamingGenerator:
    """Mixin for generators that implement only `stream`."""

    def complete(self, request: CompletionRequest) -> CompletionResult:
        return collect(self.stream(request))  # type: ignore[attr-defined]


#: The names these had before 0.2, kept so that plugins written for them keep working.
Provider = TextGenerator
StreamingProvider = StreamingGenerator


class Backend:
    """One inference engine instance (an Ollama server, the GGUF directory, ...) and its models.

    Subclasses set the class attributes below and are registered as a type; the core
    instantiates them with `Backend(settings)`. `self.name` is the instance's name (the
    `[providers.NAME]` table key, or `type_name` for the default instance).
    """

    #: The `provider_type` value that selects this class (a plugin's own name for its type).
    type_name: ClassVar[str]
    #: Other names for the type's default instance, accepted wherever a backend is named.
    aliases: ClassVar[tuple[str, ...]] = ()
    #: `local/...` resolution tries backends in ascending order.
    priority: ClassVar[int] = 100
    #: attrs class that `[providers.NAME.options]` is structured into (None: no options).
    options_type: ClassVar[type | None] = None
    #: True when the type has no usable default (a remote server that must be configured):
    #: no instance exists unless a table configures one, so nothing is contacted uninvited.
    needs_table: ClassVar[bool] = False
    #: True when parameters nobody set are left to the server (its model configuration, e.g.
    #: an Ollama Modelfile, decides); False applies llmspell's `DEFAULT_PARAMS`, so a request
    #: reaches `stream()` with every sampling field set except `seed`.
    server_defaults: ClassVar[bool] = False

    def __init__(self, settings: BackendSettings) -> None:
        self.settings = settings
        #: The instance name: what specs say (`NAME/model`, `model@NAME`).
        self.name = settings.name
        #: The typed `[providers.NAME.options]` (an `options_type` instance, or `{}`).
        self.options: Any = settings.options

    def health(self) -> HealthStatus:
        """Whether the backend can serve now; must answer fast (about a second) when down."""
        raise NotImplementedError

    def list_models(self) -> list[LocalModel]:
        """The models present on this backend."""
        raise NotImplementedError

    def generator(self, model: str) -> TextGenerator:
        """A generator for `model`, loaded once and reused for later calls."""
        if overrides(self, "provider"):  # a plugin written before 0.2
            return self.provider(model)
        raise NotImplementedError

    def provider(self, model: str) -> TextGenerator:
        """The name `generator` had before 0.2 (kept for plugins and callers of that time)."""
        return self.generator(model)

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
    ) -> PullResult:
        """Download `model`, reporting `PullProgress`; return `PullResult(model, "pulled")`,
        or `"present"` when nothing had to be fetched (a plain `LocalModel` counts as pulled).
        """
        raise NotSupportedError(f"The {self.name} backend cannot pull models.")

    def remove(self, model: str) -> None:
        raise NotSupportedError(f"The {self.name} backend cannot remove models.")

    def available(self) -> list[CatalogEntry]:
        return []

    def unload(self, model: str | None = None) -> None:
        """Free a loaded model (all of them when `model` is None)."""

    def import_file(self, path: str, name: str | None = None, *, link: bool = False) -> LocalModel:
        raise NotSupportedError(f"The {self.name} backend cannot import model files.")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


def overrides(backend: Backend, method: str) -> bool:
    """Whether `backend`'s class implements `method` itself (e.g. can pull or import)."""
    return getattr(type(backend), method, None) is not getattr(Backend, method)
