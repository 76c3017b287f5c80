"""Where a server is, and whether anything listens there, learnt without importing `openai`.

Importing the client (pydantic, httpx) costs most of a second on a slow machine; when the
server is down, `model status` and `model list` should learn that from a TCP probe instead.
"""

from __future__ import annotations

import socket
import urllib.request
from urllib.parse import urlsplit

from llmspell import BackendUnavailableError, ConfigError


def normalize_base_url(raw: str | None, table: str) -> str:
    """`base_url` checked and without its trailing slash; a table without one is a config error."""
    if not raw or not raw.strip():
        raise ConfigError(
            f'[{table}] has provider_type = "openai" but no base_url. '
            'Add the server\'s API root, e.g. base_url = "http://127.0.0.1:8000/v1".'
        )
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"[{table}] base_url {raw!r} is not an http(s) URL. "
            'Write it in full, e.g. base_url = "http://127.0.0.1:8000/v1".'
        )
    return url


def host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def goes_through_proxy(url: str) -> bool:
    """With a proxy in the environment the client talks to the proxy, so a probe would lie."""
    host, _ = host_port(url)
    scheme = urlsplit(url).scheme
    proxies = urllib.request.getproxies()
    return bool(proxies.get(scheme) or proxies.get("all")) and not urllib.request.proxy_bypass(host)


def unreachable(name: str, url: str, why: str) -> BackendUnavailableError:
    return BackendUnavailableError(
        f"The OpenAI-compatible server {name!r} is not reachable at {url} ({why}). "
        f"Start the server, or fix base_url under [providers.{name}]."
    )


def probe(name: str, url: str, seconds: float) -> None:
    """Return when a TCP connection opens within `seconds`; raise the user's error otherwise."""
    host, port = host_port(url)
    try:
        with socket.create_connection((host, port), timeout=seconds):
            return
    except socket.gaierror:
        raise unreachable(name, url, f"the host name {host!r} cannot be resolved") from None
    except TimeoutError:
        raise unreachable(name, url, f"no answer within {seconds:g} s") from None
    except OSError as exc:
        why = "connection refused" if isinstance(exc, ConnectionRefusedError) else str(exc)
        raise unreachable(name, url, why) from None
