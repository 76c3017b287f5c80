"""An Ollama-speaking server on 127.0.0.1 per test, and llmspell configured to use it."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from llmspell import Manager

from tests.support.ollama_server import OllamaTestServer

MODEL = "smollm2:135m"


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def write_config(
    home: Path, base_url: str | None = None, *, timeout_seconds: float | None = None, **options
) -> Path:
    """`./llmspell.toml` (the isolated home is the cwd) with a `[providers.ollama]` table."""
    lines = ["[providers.ollama]"]
    if base_url:
        lines.append(f"base_url = {toml_value(base_url)}")
    if timeout_seconds is not None:
        lines.append(f"timeout_seconds = {toml_value(timeout_seconds)}")
    if options:
        lines.append("[providers.ollama.options]")
        lines += [f"{key} = {toml_value(value)}" for key, value in options.items()]
    path = home / "llmspell.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def ollama_server() -> Iterator[OllamaTestServer]:
    with OllamaTestServer() as server:
        server.add_model(MODEL)
        yield server


@pytest.fixture
def manager(ollama_server, isolated_home) -> Manager:
    write_config(isolated_home, ollama_server.url)
    return Manager()


@pytest.fixture
def unresponsive_endpoint() -> Iterator[str]:
    """A local port that never completes a TCP handshake, like a host that drops packets.

    A listening socket that never accepts, its backlog filled: the kernel then ignores new
    SYNs, so a connect waits for its timeout (a remote unroutable address cannot be used
    here: this sandbox answers every outbound address itself).
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    yield f"http://127.0.0.1:{port}"
    for s in [*fillers, listener]:
        s.close()


@pytest.fixture
def closed_endpoint() -> str:
    """A local port nobody listens on: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"
