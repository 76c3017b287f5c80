"""`status`: health from /api/version, model count from /api/tags, loaded models from /api/ps,
and a down or unreachable Ollama reported fast while the other backends keep working."""

from __future__ import annotations

import json
import time

import ollama  # noqa: F401 - imported up front: the timings measure the network
from llmspell import GenerationParams, Manager
from llmspell_ollama.client import resolve_endpoint

from tests.cli.helpers import llmspell
from tests.ollama.conftest import MODEL, write_config
from tests.support.ollama_server import VERSION


def ollama_status(manager: Manager):
    return next(s for s in manager.status() if s.backend == "ollama")


def test_a_running_server_is_healthy_with_version_model_count_and_endpoint(manager, ollama_server):
    status = ollama_status(manager)
    assert status.healthy, status.error
    assert status.version == VERSION
    assert status.model_count == 1
    assert status.endpoint == ollama_server.url
    assert status.loaded == ()
    assert {r["path"] for r in ollama_server.requests} == {"/api/version", "/api/tags", "/api/ps"}


def test_models_loaded_in_memory_are_listed_from_api_ps(manager):
    manager.agent(f"ollama/{MODEL}").complete("warm up", GenerationParams(max_tokens=1))
    (loaded,) = ollama_status(manager).loaded
    assert loaded.name == MODEL
    assert loaded.size_bytes > 0
    assert loaded.expires_at > time.time()
    shown = llmspell("model", "ps", "--format", "json")
    (row,) = json.loads(shown.stdout)["models"]
    assert row == {"backend": "ollama", **loaded.to_dict()}


def assert_down_fast(manager: Manager, limit: float) -> str:
    assert "ollama" in manager.backends  # plugins loaded before timing
    started = time.monotonic()
    statuses = {s.backend: s for s in manager.status()}
    elapsed = time.monotonic() - started
    assert elapsed < limit, f"status took {elapsed:.2f} s"
    assert not statuses["ollama"].healthy
    assert statuses["ollama"].model_count == 0
    assert statuses["echo"].healthy
    if "gguf" in statuses:  # the embedded backend does not depend on Ollama
        assert statuses["gguf"].error is None or "ollama" not in statuses["gguf"].error.lower()
    started = time.monotonic()
    models = manager.list_models()
    assert time.monotonic() - started < limit
    assert "echo" in {m.backend for m in models}
    assert "ollama" in models.skipped
    assert set(models.skipped) == {"ollama"}  # gguf (when installed) still lists
    return statuses["ollama"].error or ""


def test_a_closed_port_is_reported_not_running_at_once_with_how_to_start_it(
    monkeypatch, closed_endpoint
):
    monkeypatch.setenv("OLLAMA_HOST", closed_endpoint)
    error = assert_down_fast(Manager(), limit=1.0)
    assert "not running" in error
    assert "ollama serve" in error
    assert "llmspell model install-ollama" in error


def test_an_unreachable_host_costs_about_a_second_not_a_hang(isolated_home, unresponsive_endpoint):
    write_config(isolated_home, unresponsive_endpoint)
    error = assert_down_fast(Manager(), limit=2.0)
    assert "did not answer within 1 s" in error


def test_an_unroutable_ollama_host_is_reported_down_within_two_seconds(monkeypatch):
    monkeypatch.setenv("OLLAMA_HOST", "http://10.255.255.1:11434")
    assert_down_fast(Manager(), limit=2.0)


def test_base_url_from_config_wins_over_ollama_host(monkeypatch, isolated_home, ollama_server):
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")
    write_config(isolated_home, ollama_server.url)
    assert ollama_status(Manager()).healthy


def test_ollama_host_is_used_when_the_config_has_no_base_url(monkeypatch, ollama_server):
    host_port = ollama_server.url.removeprefix("http://")
    monkeypatch.setenv("OLLAMA_HOST", host_port)  # Ollama's own form: host:port, no scheme
    status = ollama_status(Manager())
    assert status.healthy
    assert status.endpoint == ollama_server.url


def test_the_default_endpoint_is_localhost_11434(monkeypatch):
    monkeypatch.delenv("OLLAMA_HOST")
    assert resolve_endpoint(None) == "http://localhost:11434"
    assert resolve_endpoint("example.com") == "http://example.com:11434"
    assert resolve_endpoint("https://example.com/ollama/") == "https://example.com:443/ollama"


def test_a_wrong_option_makes_ollama_unhealthy_with_the_key_named(isolated_home, ollama_server):
    write_config(isolated_home, ollama_server.url, num_ctx="big")
    statuses = {s.backend: s for s in Manager().status()}
    assert not statuses["ollama"].healthy
    assert "providers.ollama.options.num_ctx" in statuses["ollama"].error
    assert statuses["echo"].healthy
