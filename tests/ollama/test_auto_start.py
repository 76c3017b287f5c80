"""`auto_start = true`: a down local Ollama is started with `ollama serve` and waited for.

The real `ollama` binary cannot exist here, so a fake one on PATH runs the test server
(`tests/support/ollama_server.py serve`), which binds to OLLAMA_HOST as `ollama serve` does.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from llmspell import BackendUnavailableError, Manager
from llmspell_ollama.server import serve_log_path

from tests.ollama.conftest import MODEL, write_config

SERVER = Path(__file__).resolve().parents[1] / "support" / "ollama_server.py"


def fake_ollama(bin_dir: Path, body: str) -> Path:
    bin_dir.mkdir(exist_ok=True)
    exe = bin_dir / "ollama"
    exe.write_text(f"#!/bin/sh\n{body}\n")
    exe.chmod(0o755)
    return exe


@pytest.fixture
def on_path(monkeypatch, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir


@pytest.fixture
def started():
    """Managers whose auto-started `ollama serve` is stopped after the test (by its pid)."""
    managers: list[Manager] = []
    yield managers
    for manager in managers:
        process = manager.backend("ollama").connection.server_process
        if process is not None:
            process.terminate()
            process.wait(timeout=10)


def test_a_down_local_ollama_is_started_and_used(
    on_path, isolated_home, closed_endpoint, started, tmp_path
):
    marker = tmp_path / "serve-args"
    fake_ollama(
        on_path,
        f'echo "$@ OLLAMA_HOST=$OLLAMA_HOST" > {marker}\n'
        f'exec {sys.executable} {SERVER} "$@" --model {MODEL}',
    )
    write_config(isolated_home, closed_endpoint, auto_start=True)
    manager = Manager()
    started.append(manager)
    status = next(s for s in manager.status() if s.backend == "ollama")
    assert status.healthy, status.error
    assert status.details["started_by_llmspell"] is True
    assert marker.read_text().split() == ["serve", f"OLLAMA_HOST={closed_endpoint[7:]}"]
    assert [m.name for m in manager.list_models(backend="ollama")] == [MODEL]
    assert manager.agent(f"ollama/{MODEL}").complete("started on demand") == "started on demand"
    assert "Listening on" in serve_log_path().read_text()


def test_without_auto_start_nothing_is_started(on_path, isolated_home, closed_endpoint, tmp_path):
    marker = tmp_path / "ran"
    fake_ollama(on_path, f"touch {marker}")
    write_config(isolated_home, closed_endpoint)
    with pytest.raises(BackendUnavailableError, match="auto_start = true"):
        Manager().list_models(backend="ollama")
    assert not marker.exists()


def test_auto_start_without_the_binary_says_how_to_install(
    monkeypatch, tmp_path, isolated_home, closed_endpoint
):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    write_config(isolated_home, closed_endpoint, auto_start=True)
    with pytest.raises(BackendUnavailableError) as caught:
        Manager().list_models(backend="ollama")
    message = str(caught.value)
    assert "no 'ollama' program on PATH" in message
    assert "llmspell model install-ollama" in message


def test_a_server_that_exits_at_once_is_reported_with_its_log(
    on_path, isolated_home, closed_endpoint
):
    fake_ollama(on_path, 'echo "Error: listen tcp: address already in use" >&2\nexit 1')
    write_config(isolated_home, closed_endpoint, auto_start=True)
    with pytest.raises(BackendUnavailableError) as caught:
        Manager().list_models(backend="ollama")
    assert "exited with code 1" in str(caught.value)
    assert str(serve_log_path()) in str(caught.value)
    assert "address already in use" in serve_log_path().read_text()


def test_a_server_that_never_answers_is_given_up_on_and_stopped(
    on_path, isolated_home, closed_endpoint, tmp_path
):
    pid_file = tmp_path / "pid"
    fake_ollama(on_path, f"echo $$ > {pid_file}\nexec sleep 30")
    write_config(isolated_home, closed_endpoint, auto_start=True, start_timeout_seconds=0.5)
    with pytest.raises(BackendUnavailableError, match=r"did not answer .* within 0\.5 s"):
        Manager().list_models(backend="ollama")
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


def test_a_remote_endpoint_is_never_auto_started(on_path, isolated_home, tmp_path):
    marker = tmp_path / "ran"
    fake_ollama(on_path, f"touch {marker}")
    write_config(isolated_home, "http://192.0.2.1:11434", auto_start=True)  # not this machine
    with pytest.raises(BackendUnavailableError):
        Manager().list_models(backend="ollama")
    assert not marker.exists()
