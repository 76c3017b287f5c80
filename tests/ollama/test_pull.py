"""Pull: Ollama's NDJSON progress stream turned into progress events, and its failures."""

from __future__ import annotations

import pytest
from llmspell import BackendUnavailableError, BadInputError, DownloadError, Manager

from tests.ollama.conftest import MODEL


def pull(manager, name, **kwargs):
    events = []
    model = manager.pull(name, progress=events.append, **kwargs).model
    return model, events


def test_pull_reports_each_stream_line_with_bytes_summed_over_layers(manager, ollama_server):
    model, events = pull(manager, "ollama/qwen2.5:0.5b")
    statuses = [e.status for e in events]
    assert statuses[0] == "pulling manifest"
    assert statuses[-3:] == ["verifying sha256 digest", "writing manifest", "success"]
    layers = ollama_server.library["qwen2.5:0.5b"].layer_digests()
    for digest, _size in layers:
        assert f"pulling {digest[7:19]}" in statuses
    completed = [e.completed for e in events]
    assert completed == sorted(completed), "progress never goes backwards"
    total = sum(size for _, size in layers)
    assert events[-1].completed == events[-1].total == total
    assert events[-1].percent == 100.0
    assert {e.model for e in events} == {"qwen2.5:0.5b"}
    assert model.name == "qwen2.5:0.5b" and model.backend == "ollama"
    assert model.size_bytes == total
    assert "qwen2.5:0.5b" in {m.name for m in manager.list_models(backend="ollama")}


def test_pull_sends_the_model_name_and_streams(manager, ollama_server):
    pull(manager, "ollama/qwen2.5:0.5b")
    (request,) = ollama_server.requests_to("/api/pull")
    assert request["body"]["model"] == "qwen2.5:0.5b"
    assert request["body"].get("stream", True) is True


def test_a_model_already_present_is_not_pulled_again(manager, ollama_server):
    model, events = pull(manager, f"ollama/{MODEL}")
    assert [e.status for e in events] == ["already present"]
    assert model.name == MODEL
    assert ollama_server.requests_to("/api/pull") == []


def test_force_pulls_again_and_ollama_reports_layers_already_complete(manager, ollama_server):
    ollama_server.add_model("qwen2.5:0.5b")
    _, events = pull(manager, "ollama/qwen2.5:0.5b", force=True)
    layer_events = [e for e in events if e.status.startswith("pulling ") and e.total]
    assert layer_events and all(e.completed == e.total for e in layer_events)
    assert len(ollama_server.requests_to("/api/pull")) == 1


def test_a_name_the_library_lacks_is_a_download_error_naming_the_problem(manager):
    with pytest.raises(DownloadError) as caught:
        pull(manager, "ollama/no-such-model:1b")
    message = str(caught.value)
    assert "no-such-model:1b" in message
    assert "file does not exist" in message
    assert "llmspell model available --backend ollama" in message
    assert "no-such-model:1b" not in {m.name for m in manager.list_models(backend="ollama")}


def test_a_connection_cut_mid_pull_is_a_download_error_that_says_to_resume(manager, ollama_server):
    ollama_server.drop_after = 3
    with pytest.raises(DownloadError) as caught:
        pull(manager, "ollama/qwen2.5:0.5b")
    assert "resumes" in str(caught.value)


def test_quantization_is_chosen_by_tag_in_ollama(manager):
    with pytest.raises(BadInputError) as caught:
        manager.pull("ollama/llama3.1:8b", quantization="Q8_0")
    assert "ollama/llama3.1:8b-instruct-q8_0" in str(caught.value)


def test_pulling_with_ollama_down_says_it_is_not_running(monkeypatch, closed_endpoint):
    monkeypatch.setenv("OLLAMA_HOST", closed_endpoint)
    with pytest.raises(BackendUnavailableError) as caught:
        Manager().pull("ollama/smollm2:135m")
    assert "ollama serve" in str(caught.value)


def test_an_agent_on_a_missing_model_pulls_it_when_auto_pull_missing_is_on(
    isolated_home, ollama_server
):
    (isolated_home / "llmspell.toml").write_text(
        f'auto_pull_missing = true\n[providers.ollama]\nbase_url = "{ollama_server.url}"\n'
    )
    events = []
    agent = Manager().agent("ollama/qwen2.5:0.5b", progress=events.append)
    assert events[-1].status == "success"
    assert agent.complete("pulled then used") == "pulled then used"
