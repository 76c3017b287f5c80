"""One OpenAI-compatible server: the `openai` client and errors in llmspell's words.

Imported only when a configured server is first used (it imports `openai`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import openai
from llmspell import LlmspellError, ModelNotFoundError

from . import failures
from .options import OpenAIOptions

T = TypeVar("T")

#: Sent as the bearer token when the table has no api_key.
NO_KEY = "no-key-configured"
#: Health checks and model lists wait at most this long for an answer (after connecting).
_LISTING_READ_SECONDS = 10.0


class Connection:
    def __init__(
        self, name: str, url: str, api_key: str | None, timeout: float, options: OpenAIOptions
    ) -> None:
        self.name = name
        self.url = url
        self.options = options
        self._api_key = api_key
        self.where = failures.Where(
            name=name,
            url=url,
            connect_seconds=options.connect_timeout_seconds,
            read_seconds=timeout,
            retries=options.max_retries,
            has_key=bool(api_key),
        )
        # Always an explicit key: the client would otherwise send OPENAI_API_KEY from the
        # environment, a key for api.openai.com, to whatever server this table names. Servers
        # without authentication ignore the placeholder (the client refuses an empty key).
        self.client = openai.OpenAI(
            base_url=url,
            api_key=api_key or NO_KEY,
            timeout=openai.Timeout(timeout, connect=options.connect_timeout_seconds),
            max_retries=options.max_retries,
            default_headers=dict(options.headers),
        )
        #: Optional request fields this server refused once; not sent to it again.
        self.rejected: set[str] = set()

    def run(self, op: Callable[[openai.OpenAI], T], *, action: str) -> T:
        """`op(client)` with failures turned into llmspell errors."""
        try:
            return op(self.client)
        except Exception as exc:
            raise self.translate(exc, action) from exc

    def translate(self, exc: BaseException, action: str) -> BaseException:
        error = failures.translate(exc, self.where, action)
        if error is None:
            return exc
        if self._api_key and self._api_key in error.message:
            error = type(error)(error.message.replace(self._api_key, "***"))
        return error

    def models(self, *, quick: bool = True) -> list[dict[str, Any]]:
        """`GET /models` as plain dicts (servers add fields of their own: keep them)."""

        def fetch(client: openai.OpenAI) -> list[dict[str, Any]]:
            if quick:
                timeout = openai.Timeout(
                    min(_LISTING_READ_SECONDS, self.where.read_seconds),
                    connect=self.options.connect_timeout_seconds,
                )
                client = client.with_options(timeout=timeout, max_retries=0)
            return [m.model_dump() for m in client.models.list().data]

        try:
            return self.run(fetch, action="list its models")
        except LlmspellError as error:
            if isinstance(error.__cause__, openai.NotFoundError):
                raise type(error)(
                    f"The server {self.name!r} at {self.url} has no /models endpoint (HTTP 404). "
                    "base_url must be the API root, usually ending in /v1."
                ) from None
            raise

    def missing(self, model: str) -> ModelNotFoundError:
        """Model not found, with what the server does serve (when it can say)."""
        try:
            served = [m["id"] for m in self.models()]
        except LlmspellError:
            served = []
        listing = ", ".join(served[:20]) + (", ..." if len(served) > 20 else "")
        serves = f"It serves: {listing}." if served else "It lists no models."
        return ModelNotFoundError(
            f"The server {self.name!r} at {self.url} has no model {model!r}. {serves} "
            f"Use one of those as {self.name}/MODEL, or load the model on the server."
        )
