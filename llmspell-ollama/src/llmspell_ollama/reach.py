"""Is anything listening at the endpoint? A bare TCP probe, done before importing the client.

Importing `ollama` (pydantic, httpx) costs about a second on a slow machine; when Ollama is
down, which is common, `status` and `list` should not pay that to learn it.
"""

from __future__ import annotations

import socket

from llmspell import BackendUnavailableError

from .client import host_port

HOW_TO_START = (
    "Start it with 'ollama serve' (or set auto_start = true under [providers.ollama.options]), "
    "or install it with 'llmspell model install-ollama'."
)


def not_running(endpoint: str) -> BackendUnavailableError:
    return BackendUnavailableError(f"Ollama is not running at {endpoint}. {HOW_TO_START}")


def no_answer(endpoint: str, seconds: float) -> BackendUnavailableError:
    return BackendUnavailableError(
        f"Ollama at {endpoint} did not answer within {seconds:g} s (host down or unreachable). "
        "Check base_url or OLLAMA_HOST, or start Ollama there with 'ollama serve'."
    )


def probe(endpoint: str, seconds: float) -> None:
    """Return if a TCP connection opens within `seconds`; raise the user's error otherwise."""
    try:
        with socket.create_connection(host_port(endpoint), timeout=seconds):
            return
    except TimeoutError:
        raise no_answer(endpoint, seconds) from None
    except OSError:
        raise not_running(endpoint) from None
