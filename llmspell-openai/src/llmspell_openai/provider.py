"""Generation through `client.chat.completions.create`, streamed or not.

Usage comes from the last stream chunk when the server honours
`stream_options.include_usage` (vLLM, SGLang, llama-server, Ollama, LM Studio); servers
that ignore it (llama-cpp-python's) leave the usage unknown rather than guessed. A stream
that breaks before its finish reason is an `InferenceError` whose `partial_text` keeps what
arrived.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import openai
from llmspell import (
    CompletionRequest,
    CompletionResult,
    InferenceError,
    LlmspellError,
    StreamChunk,
)

from . import failures, transport
from .connection import Connection
from .request import chat_arguments, refused_fields
from .usage import token_usage, unknown_usage

log = logging.getLogger("llmspell")


class OpenAIProvider:
    def __init__(self, connection: Connection, backend: str, model: str, context: int | None):
        self.connection = connection
        self.backend = backend
        self.model = model
        self.context_length = context

    # -- requests, with optional fields dropped for servers that refuse them ------------

    def _create(self, request: CompletionRequest, *, stream: bool) -> Any:
        conn = self.connection
        action = f"generate with {self.model!r}"
        while True:
            args = chat_arguments(
                self.model,
                request,
                stream=stream,
                extras=conn.options.sampling_extras,
                stream_usage=conn.options.stream_usage,
                rejected=conn.rejected,
            )
            try:
                return conn.client.chat.completions.create(**args)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                refused = refused_fields(failures.server_message(exc) + str(exc.body), args)
                if not refused:
                    raise conn.translate(exc, action) from exc
                conn.rejected |= refused
                log.warning(
                    "Note: %s does not accept %s; sending requests without %s.",
                    self.backend,
                    ", ".join(sorted(refused)),
                    "it" if len(refused) == 1 else "them",
                )
            except openai.NotFoundError as exc:
                raise conn.missing(self.model) from exc
            except Exception as exc:
                raise conn.translate(exc, action) from exc

    # -- the Provider protocol --------------------------------------------------------

    def stream(self, request: CompletionRequest) -> Iterator[StreamChunk]:
        start = time.perf_counter()
        pieces: list[str] = []
        finish: str | None = None
        usage = None
        stream = self._create(request, stream=True)
        try:
            for chunk in stream:
                if chunk.usage is not None:
                    usage = chunk.usage
                for choice in chunk.choices:
                    text = choice.delta.content if choice.delta else None
                    if text:
                        pieces.append(text)
                        yield StreamChunk(text)
                    if choice.finish_reason:
                        finish = choice.finish_reason
        except Exception as exc:
            raise self._broken(exc, pieces) from exc
        finally:
            stream.close()
        if finish is None:
            raise self._broken(None, pieces)
        yield StreamChunk("", done=True, result=self._result("".join(pieces), finish, usage, start))

    def complete(self, request: CompletionRequest) -> CompletionResult:
        start = time.perf_counter()
        response = self._create(request, stream=False)
        choice = response.choices[0] if response.choices else None
        text = (choice.message.content if choice and choice.message else None) or ""
        finish = (choice.finish_reason if choice else None) or "stop"
        return self._result(text, finish, response.usage, start)

    def _result(self, text: str, finish: str, usage: Any, start: float) -> CompletionResult:
        return CompletionResult(
            text=text,
            model=self.model,
            provider=self.backend,
            finish_reason=finish,  # type: ignore[arg-type]
            usage=token_usage(usage) if usage is not None else unknown_usage(),
            latency_ms=(time.perf_counter() - start) * 1000.0,
        )

    def _broken(self, exc: BaseException | None, pieces: list[str]) -> LlmspellError:
        partial = "".join(pieces)
        where = self.connection.where
        if exc is None or _connection_lost(exc):
            error: LlmspellError = InferenceError(
                f"The server {self.backend!r} at {where.url} stopped in the middle of the answer "
                f"of {self.model!r} (after {len(partial)} characters); the answer is incomplete. "
                "Check that the server is still running and retry."
            )
        else:
            translated = self.connection.translate(exc, f"generate with {self.model!r}")
            if not isinstance(translated, LlmspellError):
                raise exc
            error = InferenceError(
                f"{translated.message} The answer is incomplete "
                f"(stopped after {len(partial)} characters)."
            )
        error.partial_text = partial
        return error


def _connection_lost(exc: BaseException) -> bool:
    """The HTTP library's broken-stream error, raw (openai 1.x) or wrapped in the client's
    `APIConnectionError` (openai 3.x); a read timeout is not a lost connection."""
    if isinstance(exc, openai.APITimeoutError):
        return False
    return isinstance(exc, (openai.APIConnectionError, *transport.BROKEN_STREAM))
