"""Where the Ollama server is, and an `ollama.Client` that gives up fast when nobody answers.

The ollama client's default timeout is None (wait for ever), so a host that drops packets
would hang every command; we bound the connect phase to about a second and reads to the
configured `timeout_seconds`.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import ollama

DEFAULT_ENDPOINT = "http://localhost:11434"
DEFAULT_PORT = 11434
_LOCAL_HOSTS = {"localhost", "::1", "0.0.0.0", "::"}


def resolve_endpoint(base_url: str | None) -> str:
    """Config `base_url`, else `OLLAMA_HOST`, else localhost:11434, as a full URL."""
    return normalize_endpoint(base_url or os.environ.get("OLLAMA_HOST") or DEFAULT_ENDPOINT)


def normalize_endpoint(raw: str) -> str:
    """`host`, `host:port` or a URL, completed the way the ollama client completes it."""
    raw = raw.strip().rstrip("/")
    if "://" not in raw:
        parts = urlsplit("http://" + raw)
        port = parts.port or DEFAULT_PORT
    else:
        parts = urlsplit(raw)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    host = parts.hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme or 'http'}://{host}:{port}{parts.path.rstrip('/')}"


def host_port(endpoint: str) -> tuple[str, int]:
    parts = urlsplit(endpoint)
    return parts.hostname or "127.0.0.1", parts.port or DEFAULT_PORT


def is_local(endpoint: str) -> bool:
    """Whether `ollama serve` started on this machine could answer at `endpoint`."""
    host, _ = host_port(endpoint)
    return host in _LOCAL_HOSTS or host.startswith("127.")


def make_client(endpoint: str, timeout_seconds: float, connect_seconds: float) -> ollama.Client:
    import httpx
    import ollama

    timeout = httpx.Timeout(timeout_seconds, connect=connect_seconds)
    return ollama.Client(host=endpoint, timeout=timeout)
