"""The CLI against the Ollama backend, with the Ollama-speaking test server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.cli.helpers import Terminal, llmspell
from tests.support.ollama_server import OllamaTestServer


@pytest.fixture
def ollama(monkeypatch) -> Iterator[OllamaTestServer]:
    with OllamaTestServer() as server:
        server.add_model("smollm2:135m")
        monkeypatch.setenv("OLLAMA_HOST", server.url)
        yield server


def test_list_includes_ollama_models_when_it_runs(ollama):
    result = llmspell("model", "list")
    assert result.returncode == 0, result.stderr
    assert "smollm2:135m" in result.stdout and "ollama" in result.stdout
    assert "skipped" not in result.stderr
    data = json.loads(llmspell("model", "list", "--backend", "ollama", "--format", "json").stdout)
    assert [m["id"] for m in data["models"]] == ["ollama/smollm2:135m"]


def test_status_shows_ollama_ready_with_its_version(ollama):
    data = json.loads(llmspell("model", "status", "--format", "json").stdout)
    status = next(b for b in data["backends"] if b["backend"] == "ollama")
    assert status["healthy"] is True and status["version"] == "0.33.0"
    assert status["endpoint"] == ollama.url


def test_pull_through_ollama_states_each_layer_size_then_progress(ollama):
    result = llmspell("model", "pull", "ollama/qwen2.5:0.5b")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "pulling manifest"
    assert lines[1].endswith(": 397.0 MB")  # the big layer's size, before its progress lines
    assert lines[2].strip().endswith("397.0 MB") and "%" in lines[2]
    assert lines[-1] == "success"
    assert result.stdout.startswith("Pulled ollama/qwen2.5:0.5b")
    assert "qwen2.5:0.5b" in llmspell("model", "list", "--backend", "ollama").stdout


def test_pull_through_ollama_on_a_terminal_draws_the_bar(ollama):
    ollama.line_delay = 0.05
    ollama.progress_steps = 20
    term = Terminal("model", "pull", "ollama/qwen2.5:0.5b")
    assert term.wait() == 0
    frames = [f.split("\n")[0] for f in term.output.split("\r") if f.startswith(("  ", " ", "1"))]
    assert any("[#" in f and "MB/s" in f for f in frames), term.output
    assert "397.0 MB / 397.0 MB" in term.output


def test_pull_of_a_name_the_library_lacks_fails_with_exit_1(ollama):
    result = llmspell("model", "pull", "ollama/no-such-model:1b")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1].startswith("Error: ")
    assert "Traceback" not in result.stderr


def test_chat_and_info_and_remove_through_ollama(ollama):
    chat = llmspell("chat", "smollm2:135m@ollama", input="ping pong\n")
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout == "ping pong\n"
    info = json.loads(llmspell("model", "info", "ollama/smollm2:135m", "--format", "json").stdout)
    assert info["backend"] == "ollama" and info["format"] == "ollama"
    text = llmspell("model", "info", "ollama/smollm2:135m").stdout.splitlines()
    assert text[0].split() == ["model", "ollama/smollm2:135m"]
    column = text[0].index("ollama/")
    assert all(line[:column].strip() == "" or line[column - 3 : column] == "   " for line in text)
    removed = llmspell("model", "remove", "ollama/smollm2:135m", "-y")
    assert removed.returncode == 0 and removed.stdout == "Removed ollama/smollm2:135m.\n"
    assert ollama.find("smollm2:135m") is None
