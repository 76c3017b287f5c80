"""The ollama client's exceptions turned into llmspell errors, one plain sentence each.

The client is inconsistent: a refused connection is the built-in `ConnectionError` on
plain calls but a raw `httpx.ConnectError` (raised lazily, on first iteration) on streams;
an unreachable host is `httpx.ConnectTimeout` on both; HTTP errors are `ResponseError`
with the status, and an `{"error": ...}` line inside a stream is `ResponseError` with -1.
"""

from __future__ import annotations

import httpx
from llmspell import (
    BackendUnavailableError,
    InferenceError,
    LlmspellError,
    ModelNotFoundError,
    RuntimeFailure,
)
from ollama import ResponseError

from . import reach

#: Exceptions that mean "nobody answered at the endpoint".
CONNECT_FAILURES = (ConnectionError, httpx.ConnectError, httpx.ConnectTimeout)
#: Exceptions that mean "the server went away while answering".
BROKEN_STREAM = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


def not_running(
    endpoint: str, exc: BaseException, connect_seconds: float
) -> BackendUnavailableError:
    if isinstance(exc, httpx.ConnectTimeout):
        return reach.no_answer(endpoint, connect_seconds)
    return reach.not_running(endpoint)


def model_missing(model: str) -> ModelNotFoundError:
    return ModelNotFoundError(
        f"Ollama has no model {model!r}. Pull it with: llmspell model pull ollama/{model}"
    )


def translate(
    exc: BaseException,
    *,
    endpoint: str,
    connect_seconds: float,
    read_seconds: float,
    action: str,
    model: str | None = None,
) -> LlmspellError | None:
    """The llmspell error for `exc`, or None when `exc` is not an Ollama/HTTP failure."""
    if isinstance(exc, LlmspellError):
        return exc
    if isinstance(exc, CONNECT_FAILURES):
        return not_running(endpoint, exc, connect_seconds)
    if isinstance(exc, ResponseError):
        if not str(exc.error).strip():  # real Ollama always explains its errors
            return BackendUnavailableError(
                f"The server at {endpoint} answered HTTP {exc.status_code} with no Ollama error "
                "message, so it is probably not Ollama. Check base_url or OLLAMA_HOST."
            )
        if exc.status_code == 404 and model is not None:
            return model_missing(model)
        return RuntimeFailure(f"Ollama could not {action}: {exc.error}.")
    if isinstance(exc, httpx.TimeoutException):
        return InferenceError(
            f"Ollama at {endpoint} did not answer within {read_seconds:g} s while trying to "
            f"{action}. Raise timeout_seconds under [providers.ollama] if the model is slow."
        )
    if isinstance(exc, httpx.TransportError):
        return BackendUnavailableError(
            f"The connection to Ollama at {endpoint} failed while trying to {action} ({exc})."
        )
    return None
