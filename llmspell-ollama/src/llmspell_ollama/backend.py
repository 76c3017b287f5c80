"""The Ollama backend: model management over Ollama's REST API through the ollama client.

Importing this module is cheap (it runs on `llmspell --help`); the client and `httpx` are
imported by `connection` on first use.
"""

from __future__ import annotations

import time
from functools import cached_property
from typing import TYPE_CHECKING

import attrs
from llmspell import (
    Backend,
    BackendSettings,
    BackendUnavailableError,
    BadInputError,
    CatalogEntry,
    DownloadError,
    HealthStatus,
    LlmspellError,
    LocalModel,
    ModelInfo,
    ProgressCallback,
    PullProgress,
    PullResult,
)

from .catalog import catalog
from .client import resolve_endpoint
from .describe import canonical, same_model
from .options import OllamaOptions
from .reach import probe

#: A failed probe is believed this long: one command asks a dead endpoint once.
_PROBE_MEMO_SECONDS = 2.0

if TYPE_CHECKING:
    from .connection import Connection
    from .provider import OllamaProvider


class OllamaBackend(Backend):
    """One Ollama server: `[providers.NAME]` with `provider_type = "ollama"` (default: local)."""

    type_name = "ollama"
    priority = 10
    options_type = OllamaOptions
    #: Unset parameters stay unset: the model's Modelfile (tuned per model) decides them.
    server_defaults = True

    def __init__(self, settings: BackendSettings) -> None:
        super().__init__(settings)
        self.options: OllamaOptions
        self._generators: dict[str, OllamaProvider] = {}
        self._probed: tuple[float, BackendUnavailableError | None] | None = None

    @cached_property
    def endpoint(self) -> str:
        return resolve_endpoint(self.settings.base_url)

    @cached_property
    def connection(self) -> Connection:
        from .connection import Connection

        return Connection(self.endpoint, self.settings.timeout_seconds, self.options)

    def _conn(self) -> Connection:
        """The connection; before the first one, a TCP probe reports a down server cheaply."""
        if "connection" not in self.__dict__ and not self.options.auto_start:
            now = time.monotonic()
            if self._probed is None or now - self._probed[0] > _PROBE_MEMO_SECONDS:
                try:
                    probe(self.endpoint, self.options.connect_timeout_seconds)
                    self._probed = (now, None)
                except BackendUnavailableError as exc:
                    self._probed = (now, exc)
            error = self._probed[1]
            if error is not None:
                raise type(error)(error.message)
        return self.connection

    # -- health --------------------------------------------------------------------

    def health(self) -> HealthStatus:
        """`/api/version` says it is up; `/api/tags` counts models; `/api/ps` lists loaded ones."""
        try:
            conn = self._conn()
            version = conn.run(lambda c: conn.version(), action="report its version")
            models = conn.run(lambda c: c.list(), action="list models").models
            running = conn.run(lambda c: c.ps(), action="list loaded models").models
        except LlmspellError as exc:
            return HealthStatus(self.name, False, error=str(exc), endpoint=self.endpoint)
        from .describe import loaded_model

        loaded = [loaded_model(m) for m in running]
        return HealthStatus(
            self.name,
            True,
            version=version,
            model_count=len(models),
            endpoint=self.endpoint,
            device="managed by the Ollama server",
            loaded=loaded,
            details={"started_by_llmspell": conn.server_process is not None},
        )

    # -- models ----------------------------------------------------------------------

    def list_models(self) -> list[LocalModel]:
        from .describe import local_model

        listing = self._conn().run(lambda c: c.list(), action="list models")
        return [local_model(m, self.name) for m in listing.models]

    def has_model(self, model: str) -> bool:
        return self._find(model) is not None

    def _find(self, model: str) -> LocalModel | None:
        return next((m for m in self.list_models() if same_model(m.name, model)), None)

    def info(self, model: str) -> ModelInfo:
        from .describe import loaded_model, model_info

        conn = self._conn()
        show = conn.run(lambda c: c.show(model), action=f"describe {model!r}", model=model)
        running = conn.run(lambda c: c.ps(), action="list loaded models").models
        loaded = next(
            (loaded_model(m) for m in running if same_model(m.name or m.model or "", model)), None
        )
        return model_info(model, show, self._find(model), loaded, self.name)

    def available(self) -> list[CatalogEntry]:
        if self.name == self.type_name:
            return list(catalog())
        return [attrs.evolve(entry, backend=self.name) for entry in catalog()]

    def remove(self, model: str) -> None:
        self._conn().run(lambda c: c.delete(model), action=f"remove {model!r}", model=model)
        self._generators.pop(canonical(model), None)

    def unload(self, model: str | None = None) -> None:
        """Ask Ollama to free memory now (`keep_alive: 0`); nothing to do when it is down."""

        def unload_one(name: str) -> None:
            self._conn().run(
                lambda c: c.generate(model=name, keep_alive=0),
                action=f"unload {name!r}",
                model=name,
                start=False,
            )

        if model is not None:
            unload_one(model)
            return
        try:
            running = self._conn().run(lambda c: c.ps(), action="list loaded models", start=False)
        except BackendUnavailableError:
            return
        for entry in running.models:
            unload_one(entry.name or entry.model or "")

    # -- pull --------------------------------------------------------------------------

    def pull(
        self,
        model: str,
        *,
        force: bool = False,
        quantization: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> PullResult:
        """Ollama's pull stream, reported as byte totals summed over the model's layers."""
        if quantization:
            base, _, tag = model.partition(":")
            tagged = (
                f"{base}:{tag or '<size>'}-instruct-{quantization[:1].lower()}{quantization[1:]}"
            )
            raise BadInputError(
                f"Ollama picks the quantization by tag, not by option: pull a tag that names it, "
                f"e.g. ollama/{tagged} (see https://ollama.com/library/{base}/tags)."
            )
        report = progress or (lambda _p: None)
        if not force:
            present = self._find(model)
            if present is not None:
                size = present.size_bytes
                report(PullProgress(model, "already present", size, size))
                return PullResult(present, "present")
        from .pulling import run_pull

        self._conn().run(lambda c: run_pull(c, model, report), action=f"pull {model!r}")
        found = self._find(model)
        if found is None:
            raise DownloadError(
                f"Ollama reported pulling {model!r} as done, but does not list it. Retry the pull."
            )
        return PullResult(found, "pulled")

    # -- inference --------------------------------------------------------------------

    def generator(self, model: str) -> OllamaProvider:
        """Checks the model exists (`/api/show`), and learns its context window on the way."""
        key = canonical(model)
        if key not in self._generators:
            from .describe import serving_context_length
            from .provider import OllamaProvider

            conn = self._conn()
            show = conn.run(lambda c: c.show(model), action=f"describe {model!r}", model=model)
            context = serving_context_length(show, self.options.num_ctx)
            self._generators[key] = OllamaProvider(conn, model, context, self.name)
        return self._generators[key]

    def __repr__(self) -> str:
        return f"OllamaBackend({self.endpoint!r})"
