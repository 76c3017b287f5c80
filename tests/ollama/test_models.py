"""Model management: list (/api/tags), info (/api/show + /api/ps), remove (/api/delete),
unload (keep_alive 0 through /api/generate), and the curated catalog."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from llmspell import GenerationParams, ModelNotFoundError

from tests.ollama.conftest import MODEL

RECOMMENDED = {
    "phi3:3.8b",
    "mistral:7b",
    "llama3.1:8b",
    "gemma2:9b",
    "smollm2:135m",
    "qwen2.5:0.5b",
    "gemma3:270m",
}


def test_list_shows_name_size_digest_quantization_family_and_modified_time(manager, ollama_server):
    modified = datetime(2026, 5, 17, 8, 30, 15, 123456, tzinfo=timezone.utc)
    seeded = ollama_server.add_model(
        "qwen2.5:0.5b",
        size=397_821_319,
        family="qwen2",
        parameter_size="494.03M",
        quantization_level="Q4_K_M",
        modified_at=modified,
    )
    models = {m.name: m for m in manager.list_models(backend="ollama")}
    assert set(models) == {MODEL, "qwen2.5:0.5b"}
    qwen = models["qwen2.5:0.5b"]
    assert qwen.id == "ollama/qwen2.5:0.5b"
    assert qwen.size_bytes == 397_821_319
    assert qwen.quantization == "Q4_K_M"
    assert qwen.modified_at == pytest.approx(modified.timestamp(), abs=1e-3)
    assert qwen.details["digest"] == seeded.digest
    assert qwen.details["family"] == "qwen2"
    assert qwen.details["parameter_size"] == "494.03M"


def test_info_reads_api_show_details_parameters_template_and_context_length(manager):
    info = manager.info(f"ollama/{MODEL}")
    assert info.id == f"ollama/{MODEL}"
    assert info.format == "ollama"
    assert info.architecture == "llama"
    assert info.parameter_count == 134_515_008
    assert info.quantization == "Q4_K_M"
    assert info.context_length == 8192  # model_info["llama.context_length"]
    assert info.has_chat_template is True
    assert info.size_bytes == 98_000_000  # from /api/tags: /api/show has no size
    assert info.license == "Apache License"  # the first line of the text /api/show returns
    assert info.details["modelfile_parameters"] == {"stop": "<|im_end|>"}
    assert info.details["weights_format"] == "gguf"
    assert info.details["family"] == "llama"
    assert "<|im_start|>" in info.chat_template
    assert info.details["capabilities"] == ["completion"]
    assert info.details["parameter_size"] == "134.52M"
    assert info.loaded is False


def test_info_says_loaded_once_a_generation_loaded_the_model(manager):
    manager.agent(f"ollama/{MODEL}").complete("hi", GenerationParams(max_tokens=1))
    info = manager.info(f"ollama/{MODEL}")
    assert info.loaded is True
    assert [m.name for m in manager.status()[0].loaded] == [MODEL]


def test_a_name_without_tag_means_latest(manager, ollama_server):
    ollama_server.add_model("tinyllama")  # stored as tinyllama:latest
    assert manager.backend("ollama").has_model("tinyllama")
    assert manager.backend("ollama").has_model("TinyLlama:latest")
    assert manager.info("ollama/tinyllama").name == "tinyllama:latest"


def test_info_on_a_missing_model_suggests_pulling_it(manager):
    with pytest.raises(ModelNotFoundError) as caught:
        manager.info("ollama/nope:1b")
    assert "llmspell model pull ollama/nope:1b" in str(caught.value)


def test_remove_deletes_through_api_delete_with_a_json_body(manager, ollama_server):
    manager.remove(f"ollama/{MODEL}")
    assert ollama_server.models == {}
    (request,) = ollama_server.requests_to("/api/delete")
    assert request["method"] == "DELETE"
    assert request["body"] == {"model": MODEL}
    assert manager.list_models(backend="ollama") == []


def test_removing_a_missing_model_is_model_not_found(manager):
    with pytest.raises(ModelNotFoundError) as caught:
        manager.remove("ollama/ghost:7b")
    assert "ghost:7b" in str(caught.value)


def test_unload_asks_ollama_to_free_the_model_with_keep_alive_zero(manager, ollama_server):
    manager.agent(f"ollama/{MODEL}").complete("hi", GenerationParams(max_tokens=1))
    assert ollama_server.loaded
    manager.unload(f"ollama/{MODEL}")
    assert not ollama_server.loaded
    (request,) = ollama_server.requests_to("/api/generate")
    assert request["body"]["keep_alive"] == 0
    assert manager.status()[0].loaded == ()


def test_unload_all_frees_every_loaded_model(manager, ollama_server):
    manager.agent(f"ollama/{MODEL}").complete("hi", GenerationParams(max_tokens=1))
    manager.unload()
    assert not ollama_server.loaded


def test_unload_all_with_ollama_down_does_not_fail(monkeypatch, closed_endpoint):
    from llmspell import Manager

    monkeypatch.setenv("OLLAMA_HOST", closed_endpoint)
    Manager().backend("ollama").unload()


def test_available_lists_the_recommended_library_models_with_sizes(manager):
    entries = manager.available("ollama")
    assert {e.name for e in entries if e.recommended} == RECOMMENDED
    assert all(e.backend == "ollama" and e.size_bytes and e.description for e in entries)
    assert {e.name for e in manager.available("ollama", recommended=True)} == RECOMMENDED
    sizes = {e.name: e.size_bytes for e in entries}
    assert sizes["smollm2:135m"] < sizes["llama3.1:8b"]
