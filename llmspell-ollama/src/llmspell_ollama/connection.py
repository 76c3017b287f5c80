"""One Ollama endpoint: the client, error translation, and starting the server on demand.

Imported only when a backend method runs (it imports `ollama` and `httpx`).
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

import httpx
import ollama
from llmspell import BackendUnavailableError

from . import failures
from .client import is_local, make_client
from .options import OllamaOptions
from .server import start_ollama_serve

T = TypeVar("T")

#: After a failed connect, later calls within this many seconds fail at once with the same
#: error: one command asks a dead host once, not once per operation.
_DOWN_MEMO_SECONDS = 2.0


class Connection:
    def __init__(self, endpoint: str, timeout_seconds: float, options: OllamaOptions) -> None:
        self.endpoint = endpoint
        self.timeout_seconds = timeout_seconds
        self.options = options
        self.client: ollama.Client = make_client(
            endpoint, timeout_seconds, options.connect_timeout_seconds
        )
        #: The `ollama serve` this connection started (auto_start), if any.
        self.server_process: subprocess.Popen[bytes] | None = None
        self._start_tried = False
        self._down: tuple[float, BackendUnavailableError] | None = None

    def run(
        self,
        op: Callable[[ollama.Client], T],
        *,
        action: str,
        model: str | None = None,
        start: bool = True,
    ) -> T:
        """`op(client)` with llmspell errors; a down local server is started once if configured."""
        try:
            return self._attempt(op, action, model)
        except BackendUnavailableError:
            nobody_listening = self._down is not None  # not "something else answered"
            if not (start and nobody_listening and self._may_start()):
                raise
        self.start_server()
        return self._attempt(op, action, model)

    def translate(self, exc: BaseException, action: str, model: str | None = None):
        error = failures.translate(
            exc,
            endpoint=self.endpoint,
            connect_seconds=self.options.connect_timeout_seconds,
            read_seconds=self.timeout_seconds,
            action=action,
            model=model,
        )
        if isinstance(error, BackendUnavailableError) and isinstance(
            exc, failures.CONNECT_FAILURES
        ):
            self._down = (time.monotonic(), error)
        return error

    def _attempt(self, op: Callable[[ollama.Client], T], action: str, model: str | None) -> T:
        if self._down is not None:
            since, error = self._down
            if time.monotonic() - since < _DOWN_MEMO_SECONDS:
                raise type(error)(error.message)
            self._down = None
        try:
            return op(self.client)
        except Exception as exc:
            error = self.translate(exc, action, model)
            if error is None or error is exc:
                raise
            raise error from exc

    def _may_start(self) -> bool:
        return self.options.auto_start and not self._start_tried and is_local(self.endpoint)

    def start_server(self) -> None:
        self._start_tried = True
        self._down = None
        self.server_process = start_ollama_serve(
            self.endpoint, timeout=self.options.start_timeout_seconds, is_up=self.is_up
        )

    def is_up(self) -> bool:
        try:
            self.version()
            return True
        except Exception:
            return False

    def version(self) -> str:
        """`GET /api/version`: the ollama client has no method for it, so ask with httpx."""
        timeout = httpx.Timeout(self.timeout_seconds, connect=self.options.connect_timeout_seconds)
        response = httpx.get(f"{self.endpoint}/api/version", timeout=timeout)
        try:
            response.raise_for_status()
            return str(response.json()["version"])
        except (httpx.HTTPStatusError, ValueError, KeyError, TypeError):
            raise BackendUnavailableError(
                f"The server at {self.endpoint} does not answer /api/version as Ollama does, so "
                "it is probably not Ollama. Check base_url or OLLAMA_HOST."
            ) from None
