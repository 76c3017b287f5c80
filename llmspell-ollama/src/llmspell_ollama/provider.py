"""Generation through `ollama.Client.chat`, streamed or not.

The final stream line (`done: true`) carries the token counts, the stop reason and, since
Ollama runs llama-server, possibly the last piece of text, which must not be dropped. A
stream that breaks before that line is an error: the text received so far is incomplete.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from llmspell import (
    CompletionRequest,
    CompletionResult,
    InferenceError,
    StreamChunk,
    TokenUsage,
)

from . import failures
from .connection import Connection
from .request import chat_messages, chat_options

_FINISH_REASONS = {"stop": "stop", "length": "length"}


class OllamaProvider:
    def __init__(
        self, connection: Connection, model: str, context_length: int, backend: str = "ollama"
    ) -> None:
        self.connection = connection
        self.model = model
        self.context_length = context_length
        self.backend = backend

    def _chat_args(self, request: CompletionRequest) -> dict[str, Any]:
        options = self.connection.options
        args: dict[str, Any] = {
            "model": self.model,
            "messages": chat_messages(request),
            "options": chat_options(request.params, options),
        }
        if options.keep_alive is not None:
            args["keep_alive"] = options.keep_alive
        return args

    def stream(self, request: CompletionRequest) -> Iterator[StreamChunk]:
        start = time.perf_counter()
        pieces: list[str] = []
        try:
            for part in self.connection.client.chat(**self._chat_args(request), stream=True):
                text = part.message.content if part.message else None
                if text:
                    pieces.append(text)
                    yield StreamChunk(text)
                if part.done:
                    yield StreamChunk("", done=True, result=self._result(pieces, part, start))
                    return
        except Exception as exc:
            error = self._failure(exc, pieces)
            if error is exc:
                raise
            raise error from exc
        raise InferenceError(
            f"Ollama ended the answer of {self.model!r} without its final line after "
            f"{len(''.join(pieces))} characters; the answer is incomplete. Retry the request."
        )

    def complete(self, request: CompletionRequest) -> CompletionResult:
        start = time.perf_counter()
        try:
            response = self.connection.client.chat(**self._chat_args(request), stream=False)
        except Exception as exc:
            error = self._failure(exc, [])
            if error is exc:
                raise
            raise error from exc
        text = response.message.content if response.message else ""
        return self._result([text or ""], response, start)

    def _result(self, pieces: list[str], final: Any, start: float) -> CompletionResult:
        return CompletionResult(
            text="".join(pieces),
            model=self.model,
            provider=self.backend,
            finish_reason=_FINISH_REASONS.get(final.done_reason or "stop", "stop"),  # type: ignore[arg-type]
            usage=TokenUsage(final.prompt_eval_count, final.eval_count),  # None: not reported
            latency_ms=(time.perf_counter() - start) * 1000.0,
        )

    def _failure(self, exc: BaseException, pieces: list[str]) -> BaseException:
        received = len("".join(pieces))
        if isinstance(exc, failures.BROKEN_STREAM):
            return InferenceError(
                f"The Ollama server closed the connection in the middle of the answer of "
                f"{self.model!r} (after {received} characters); the answer is incomplete. "
                "Check that Ollama is still running and retry."
            )
        if isinstance(exc, failures.ResponseError) and exc.status_code == -1:
            return InferenceError(
                f"Ollama failed while generating with {self.model!r} (after {received} "
                f"characters): {exc.error}. The answer is incomplete; retry the request."
            )
        if isinstance(exc, failures.ResponseError) and exc.status_code >= 500 and exc.error:
            return InferenceError(
                f"Ollama failed while generating with {self.model!r}: {exc.error}. "
                "Retry the request, or check the Ollama server log."
            )
        return self.connection.translate(exc, f"generate with {self.model!r}", self.model) or exc
