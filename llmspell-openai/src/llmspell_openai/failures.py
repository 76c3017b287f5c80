"""The `openai` client's exceptions turned into llmspell errors, one or two sentences each.

The client retries connection errors, 408, 409, 429 and 5xx answers itself (`max_retries`),
so what reaches here has already been retried. A broken stream is not wrapped by the
client: iteration raises the HTTP library's own `RemoteProtocolError` / `ReadError`.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import attrs
import openai
from llmspell import (
    BackendUnavailableError,
    InferenceError,
    LlmspellError,
    RuntimeFailure,
)

from . import transport
from .endpoint import unreachable


@attrs.frozen
class Where:
    """What an error message names: the instance, its URL, and how patient we were."""

    name: str
    url: str
    connect_seconds: float
    read_seconds: float
    retries: int
    has_key: bool


def _cause_chain(exc: BaseException):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def connection_failure(exc: BaseException, where: Where) -> LlmspellError:
    """An `APIConnectionError`: nobody answered, or the answer never came."""
    chain = list(_cause_chain(exc))
    if any(isinstance(c, socket.gaierror) for c in chain) or any(
        "Name or service not known" in str(c) or "nodename nor servname" in str(c) for c in chain
    ):
        host = urlsplit(where.url).hostname
        return unreachable(where.name, where.url, f"the host name {host!r} cannot be resolved")
    if any(isinstance(c, transport.CONNECT_TIMEOUT) for c in chain):
        return unreachable(where.name, where.url, f"no answer within {where.connect_seconds:g} s")
    if any(isinstance(c, transport.CONNECT_ERROR) for c in chain):
        return unreachable(where.name, where.url, "connection refused")
    if isinstance(exc, openai.APITimeoutError) or any(
        isinstance(c, transport.TIMEOUT) for c in chain
    ):
        return InferenceError(
            f"The server {where.name!r} at {where.url} did not answer within "
            f"{where.read_seconds:g} s. Raise timeout_seconds under [providers.{where.name}] "
            "if the model is slow to answer."
        )
    return BackendUnavailableError(
        f"The connection to the server {where.name!r} at {where.url} failed ({exc}). "
        "Check that it is running and that base_url is right."
    )


def server_message(exc: openai.APIStatusError) -> str:
    """The server's own explanation, from OpenAI's `{"error": {"message": ...}}` or others."""
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict):
            text = inner.get("message") or inner.get("detail") or inner.get("msg")
            if text:
                return str(text)
        elif isinstance(inner, str) and inner:
            return inner
        if body.get("detail"):
            return str(body["detail"])
    return exc.message


def key_refused(exc: openai.APIStatusError, where: Where) -> BackendUnavailableError:
    # The server's message may quote the key back (OpenAI does, partly masked): never show it.
    if where.has_key:
        advice = (
            f"Check api_key under [providers.{where.name}] (or the environment variable it "
            "names): the server does not accept that key."
        )
    else:
        advice = (
            f'It needs one: add api_key = "${{{where.name.upper()}_API_KEY}}" under '
            f"[providers.{where.name}] and export that variable."
        )
    return BackendUnavailableError(
        f"The server {where.name!r} at {where.url} refused the request "
        f"(HTTP {exc.status_code}, API key {'rejected' if where.has_key else 'missing'}). " + advice
    )


def _retries(count: int) -> str:
    return f"{count} {'retry' if count == 1 else 'retries'}"


def status_failure(exc: openai.APIStatusError, where: Where, action: str) -> LlmspellError:
    code = exc.status_code
    if code in (401, 403):
        return key_refused(exc, where)
    said = server_message(exc).rstrip(".")
    if code == 429:
        return RuntimeFailure(
            f"The server {where.name!r} at {where.url} is limiting requests (HTTP 429) and still "
            f"was after {_retries(where.retries)}: {said}. Wait a little and retry, or raise "
            f"max_retries under [providers.{where.name}.options]."
        )
    if code >= 500:
        return RuntimeFailure(
            f"The server {where.name!r} at {where.url} failed to {action} (HTTP {code}, after "
            f"{_retries(where.retries)}): {said}. Check the server's log and retry."
        )
    # e.g. a prompt longer than the model's context: generation failed, the input was valid
    kind = InferenceError if action.startswith("generate") else RuntimeFailure
    return kind(
        f"The server {where.name!r} at {where.url} refused to {action} (HTTP {code}): {said}."
    )


def translate(exc: BaseException, where: Where, action: str) -> LlmspellError | None:
    """The llmspell error for `exc`, or None when `exc` is not a client or HTTP failure."""
    if isinstance(exc, LlmspellError):
        return exc
    if isinstance(exc, openai.APIConnectionError):
        return connection_failure(exc, where)
    if isinstance(exc, openai.APIStatusError):
        return status_failure(exc, where, action)
    if isinstance(exc, transport.TIMEOUT):
        return connection_failure(exc, where)
    if isinstance(exc, transport.TRANSPORT):
        return BackendUnavailableError(
            f"The connection to the server {where.name!r} at {where.url} failed while trying "
            f"to {action} ({exc})."
        )
    if isinstance(exc, openai.APIError):  # e.g. an error event inside a stream
        return InferenceError(
            f"The server {where.name!r} at {where.url} failed while trying to {action}: "
            f"{exc.message}."
        )
    return None
