"""Models Ollama downloaded are listed and run by the GGUF backend, and never modified."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from llmspell import GenerationParams, Manager, NotSupportedError

MODEL_LAYER = "application/vnd.ollama.image.model"


def _blob(root: Path, data: bytes) -> dict:
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs" / f"sha256-{digest}").write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def _manifest(root: Path, host: str, ns: str, model: str, tag: str, layers: list, config: dict):
    path = root / "manifests" / host / ns / model / tag
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json", **config},
                "layers": layers,
            }
        )
    )


@pytest.fixture(scope="module")
def ollama_root(smollm2_path, tmp_path_factory) -> Path:
    """An Ollama store as `ollama pull` leaves it, with the real SmolLM2 file as its blob."""
    root = tmp_path_factory.mktemp("ollama") / "models"
    (root / "blobs").mkdir(parents=True)
    digest = hashlib.sha256(smollm2_path.read_bytes()).hexdigest()
    shutil.copyfile(smollm2_path, root / "blobs" / f"sha256-{digest}")
    weights = {"mediaType": MODEL_LAYER, "digest": f"sha256:{digest}", "size": 98362432}
    config = _blob(
        root,
        json.dumps(
            {"model_format": "gguf", "model_family": "llama", "file_type": "Q4_1",
             "model_type": "134.52M", "architecture": "amd64", "os": "linux"}
        ).encode(),
    )  # fmt: skip
    template = {
        "mediaType": "application/vnd.ollama.image.template",
        **_blob(root, b"{{ .Prompt }}"),
    }
    _manifest(root, "registry.ollama.ai", "library", "smollm2", "135m", [weights, template], config)
    _manifest(root, "hf.co", "test-org", "SmolLM2-GGUF", "Q4_1", [weights], config)
    # Not runnable here: a safetensors model, and a manifest whose blob is gone.
    st_layer = {"mediaType": MODEL_LAYER, **_blob(root, b"\x00" * 64)}
    _manifest(root, "registry.ollama.ai", "library", "safet", "latest", [st_layer], config)
    gone = {"mediaType": MODEL_LAYER, "digest": "sha256:" + "0" * 64, "size": 1}
    _manifest(root, "registry.ollama.ai", "someone", "gone", "latest", [gone], config)
    return root


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def store(ollama_root, monkeypatch) -> Path:
    monkeypatch.setenv("OLLAMA_MODELS", str(ollama_root))
    return ollama_root


def test_ollama_models_are_listed_under_their_ollama_names(store):
    listed = {m.name: m for m in Manager().list_models("gguf")}

    assert sorted(listed) == ["hf.co/test-org/SmolLM2-GGUF:Q4_1", "smollm2:135m"]
    smol = listed["smollm2:135m"]
    assert smol.details["store"] == "ollama" and smol.details["read_only"] is True
    assert smol.path.parent == store / "blobs"
    assert (smol.quantization, smol.size_bytes) == ("Q4_1", 98362432)


def test_info_reads_the_blob_header(store):
    info = Manager().info("gguf/Smollm2:135M")  # Ollama matches names case-insensitively

    assert info.name == "smollm2:135m"
    assert (info.architecture, info.has_chat_template, info.context_length) == ("llama", True, 8192)
    assert info.path.parent == store / "blobs"
    assert info.details["ollama_model_family"] == "llama"


def test_an_ollama_model_runs_on_the_embedded_backend_without_a_copy(store, model_dir):
    before = snapshot(store)
    agent = Manager().agent("local/smollm2:135m@gguf")

    reply = agent.execute("Say hi.", GenerationParams(max_tokens=4, temperature=0.0))

    assert reply.usage.completion > 0
    assert not model_dir.exists() or not any(model_dir.glob("*/*.gguf"))
    assert snapshot(store) == before


def test_removing_an_ollama_model_is_refused_and_changes_nothing(store):
    before = snapshot(store)
    with pytest.raises(NotSupportedError, match="ollama rm smollm2:135m"):
        Manager().remove("gguf/smollm2:135m")
    assert snapshot(store) == before


def test_pulling_a_model_ollama_has_is_already_present(store):
    events = []
    model = Manager().pull("gguf/smollm2:135m", progress=events.append).model
    assert [e.status for e in events] == ["already present"]
    assert model.details["store"] == "ollama"


def test_a_model_in_our_directory_takes_precedence_over_ollamas(store, gemma3_path):
    m = Manager()
    m.import_file(str(gemma3_path), "smollm2:135m", link=True)
    (ours,) = [x for x in m.list_models("gguf") if x.name == "smollm2:135m"]
    assert ours.details["store"] == "llmspell"
    assert m.info("gguf/smollm2:135m").architecture == "gemma3"


def test_the_ollama_store_can_be_left_out_by_config(store, isolated_home):
    (isolated_home / "llmspell.toml").write_text(
        "[providers.gguf.options]\nuse_ollama_models = false\n"
    )
    assert Manager().list_models("gguf") == []
