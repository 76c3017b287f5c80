"""Real OpenAI-compatible servers on 127.0.0.1 and llmspell configured to reach them.

`llama_server` and `keyed_server` are llama-cpp-python's own server (`python -m
llama_cpp.server`) on the real SmolLM2 model, each started once per session (a start costs
about two seconds and 150 MB); tests that kill a server start their own.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.openai.llama_server import LlamaServer

#: The bearer key `keyed_server` demands (a test value, not a secret).
TEST_KEY = "sk-test-8c1f0d2e"


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def write_tables(home: Path, tables: dict[str, dict[str, Any]]) -> Path:
    """`./llmspell.toml` with one `[providers.NAME]` table per entry (`provider_type` openai
    unless given); an `options` entry becomes `[providers.NAME.options]`."""
    lines: list[str] = []
    for name, fields in tables.items():
        fields = {"provider_type": "openai", **fields}
        options = fields.pop("options", None)
        lines.append(f"[providers.{name}]")
        lines += [f"{key} = {toml_value(value)}" for key, value in fields.items()]
        if options:
            lines.append(f"[providers.{name}.options]")
            lines += [f"{key} = {toml_value(value)}" for key, value in options.items()]
        lines.append("")
    path = home / "llmspell.toml"
    path.write_text("\n".join(lines))
    return path


@pytest.fixture(scope="session")
def server_logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("llama-server-logs")


@pytest.fixture(scope="session")
def llama_server(smollm2_path, server_logs) -> Iterator[LlamaServer]:
    """llama-cpp-python's server without authentication, serving SmolLM2."""
    with LlamaServer(smollm2_path, log_dir=server_logs) as server:
        yield server


@pytest.fixture(scope="session")
def keyed_server(smollm2_path, server_logs) -> Iterator[LlamaServer]:
    """The same server started with `--api_key`: requests without the key get HTTP 401."""
    with LlamaServer(smollm2_path, api_key=TEST_KEY, log_dir=server_logs) as server:
        yield server


@pytest.fixture
def configure(isolated_home) -> Callable[..., Path]:
    """`configure(vllm={"base_url": ...}, ...)`: write the tables into the isolated home."""

    def write(**tables: dict[str, Any]) -> Path:
        return write_tables(isolated_home, tables)

    return write


@pytest.fixture
def closed_url() -> str:
    """An API root on a local port nobody listens on: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
