"""The `openai` backend type: one instance per `[providers.NAME] provider_type = "openai"`.

Importing this module is cheap (it runs on `llmspell --help`); the `openai` client is
imported by `connection` the first time a configured server is used. The type has no
usable default (`needs_table`): with no table there is no instance, so no network call.
"""

from __future__ import annotations

import time
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from llmspell import (
    Backend,
    BackendUnavailableError,
    HealthStatus,
    LlmspellError,
    LocalModel,
    ModelInfo,
    NotSupportedError,
    ProgressCallback,
)

from .endpoint import goes_through_proxy, normalize_base_url, probe
from .options import OpenAIOptions

if TYPE_CHECKING:
    from llmspell import BackendSettings

    from .connection import Connection
    from .provider import OpenAIProvider

#: A failed connection is believed this long: one command asks a dead server once.
_DOWN_MEMO_SECONDS = 2.0
#: A model listing is reused this long.
_LISTING_MEMO_SECONDS = 2.0


class OpenAIBackend(Backend):
    type_name: ClassVar[str] = "openai"
    priority: ClassVar[int] = 50
    options_type: ClassVar[type | None] = OpenAIOptions
    needs_table: ClassVar[bool] = True
    #: Parameters a script leaves unset are not sent: the deployment decides (vLLM applies the
    #: model's generation_config, LM Studio its presets, Ollama the Modelfile).
    server_defaults: ClassVar[bool] = True

    def __init__(self, settings: BackendSettings) -> None:
        super().__init__(settings)
        if not isinstance(self.options, OpenAIOptions):  # a table without an options table
            self.options = OpenAIOptions()
        self.url = normalize_base_url(settings.base_url, f"providers.{settings.name}")
        self._providers: dict[str, OpenAIProvider] = {}
        self._down: tuple[float, LlmspellError] | None = None
        self._listing: tuple[float, list[dict[str, Any]]] | None = None

    @cached_property
    def connection(self) -> Connection:
        from .connection import Connection

        return Connection(
            self.name,
            self.url,
            self.settings.api_key,
            self.settings.timeout_seconds,
            self.options,
        )

    def _conn(self) -> Connection:
        """The connection; before the first one, a TCP probe reports a down server cheaply."""
        self._raise_if_recently_down()
        if "connection" not in self.__dict__ and not goes_through_proxy(self.url):
            try:
                probe(self.name, self.url, self.options.connect_timeout_seconds)
            except BackendUnavailableError as exc:
                self._down = (time.monotonic(), exc)
                raise
        return self.connection

    def _raise_if_recently_down(self) -> None:
        if self._down is not None:
            since, error = self._down
            if time.monotonic() - since < _DOWN_MEMO_SECONDS:
                raise type(error)(error.message)
            self._down = None

    def _models(self) -> list[dict[str, Any]]:
        """`GET /models`, reused for a moment: one command (status, then resolution, then
        the agent's model check) asks the server once."""
        now = time.monotonic()
        if self._listing is not None and now - self._listing[0] < _LISTING_MEMO_SECONDS:
            return self._listing[1]
        try:
            entries = self._conn().models()
        except BackendUnavailableError as exc:
            self._down = (time.monotonic(), exc)
            raise
        self._listing = (now, entries)
        return entries

    # -- health and models -----------------------------------------------------------

    def health(self) -> HealthStatus:
        """Healthy when `GET /models` answers (connect within `connect_timeout_seconds`)."""
        try:
            entries = self._models()
        except LlmspellError as exc:
            return HealthStatus(self.name, False, error=str(exc), endpoint=self.url)
        return HealthStatus(
            self.name,
            True,
            model_count=len(entries),
            endpoint=self.url,
            device="managed by the server",
        )

    def list_models(self) -> list[LocalModel]:
        from .describe import local_model

        return [local_model(entry, self.name) for entry in self._models()]

    def _entry(self, model: str) -> dict[str, Any] | None:
        from .describe import find

        return find(self._models(), model)

    def has_model(self, model: str) -> bool:
        return self._entry(model) is not None

    def info(self, model: str) -> ModelInfo:
        from .describe import model_info

        entry = self._entry(model)
        if entry is None:
            raise self.connection.missing(model)
        return model_info(entry, self.name, self.options)

    # -- what the OpenAI API cannot do ---------------------------------------------------

    def _not_supported(self, what: str) -> NotSupportedError:
        from .tools import server_tool

        try:
            hint = server_tool(self._models())
        except LlmspellError:
            hint = server_tool([])
        return NotSupportedError(
            f"{self.name} is an OpenAI-compatible server, whose API cannot {what} models: {hint}."
        )

    def pull(
        self,
        model: str,
        *,
        force: bool = False,
        quantization: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> LocalModel:
        raise self._not_supported("pull")

    def remove(self, model: str) -> None:
        raise self._not_supported("remove")

    # -- inference -------------------------------------------------------------------

    def provider(self, model: str) -> OpenAIProvider:
        """Checks the server lists `model` first: some servers (llama-cpp-python's) answer
        for an unknown model with whatever model they have."""
        if model not in self._providers:
            from .describe import context_length
            from .provider import OpenAIProvider

            entry = self._entry(model)
            if entry is None:
                raise self.connection.missing(model)
            served, context = str(entry["id"]), context_length(entry, self.options)
            self._providers[model] = OpenAIProvider(self.connection, self.name, served, context)
        return self._providers[model]

    def unload(self, model: str | None = None) -> None:
        """Nothing to free here: the server decides what stays loaded."""

    def __repr__(self) -> str:
        return f"OpenAIBackend({self.name!r}, {self.url!r})"
