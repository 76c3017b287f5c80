"""The catalog of pullable models: data shipped with the backend, extended from config."""

from __future__ import annotations

import pytest
from llmspell import BadInputError, Manager, ModelNotFoundError
from llmspell_gguf.download import choose_file

RECOMMENDED = {
    "phi3:3.8b", "mistral:7b", "llama3.1:8b", "gemma2:9b", "smollm2:135m", "qwen2.5:0.5b",
    "gemma3:270m",
}  # fmt: skip


def test_the_recommended_set_is_in_the_catalog_with_a_repo_and_files():
    entries = {e.name: e for e in Manager().available("gguf", recommended=True)}

    assert set(entries) >= RECOMMENDED
    for entry in entries.values():
        d = entry.details
        assert entry.backend == "gguf" and entry.size_bytes and entry.size_bytes > 0
        assert "/" in d["repo"]
        assert d["default_quantization"] in d["quantizations"]
        assert all(q["file"].endswith(".gguf") for q in d["quantizations"].values())
    assert entries["smollm2:135m"].details["quantizations"]["Q4_1"]["file"] == (
        "SmolLM2-135M-Instruct.Q4_1.gguf"
    )
    assert entries["llama3.1:8b"].details["repo"] == "bartowski/Meta-Llama-3.1-8B-Instruct-GGUF"


def test_config_adds_catalog_entries(config_file):
    entries = {e.name: e for e in Manager().available("gguf")}

    tiny = entries["tiny:1m"]
    assert tiny.details["source"] == "config"
    assert tiny.details["repo"] == "test-org/tiny-GGUF"
    assert set(tiny.details["quantizations"]) == {"F16", "F32"}
    assert entries["smol:135m"].recommended is True
    assert entries["smol:135m"].size_bytes == 98362432
    assert "llama3.1:8b" in entries  # the built-in catalog stays


def test_a_config_entry_without_files_is_reported(isolated_home):
    (isolated_home / "llmspell.toml").write_text(
        '[providers.gguf.options.catalog."x:1b"]\nrepo = "a/b"\nfiles = {}\n'
    )
    with pytest.raises(BadInputError, match="lists no files"):
        Manager().available("gguf")


def test_a_name_outside_the_catalog_says_how_to_pull_from_hugging_face():
    with pytest.raises(ModelNotFoundError, match=r"gguf/hf\.co/OWNER/REPO:QUANT"):
        Manager().pull("gguf/notamodel:1b")


BARTOWSKI = [
    ".gitattributes",
    "README.md",
    "Qwen2.5-0.5B-Instruct-Q4_K.gguf",
    "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
    "Qwen2.5-0.5B-Instruct-Q4_K_S.gguf",
    "Qwen2.5-0.5B-Instruct-IQ4_XS.gguf",
    "Qwen2.5-0.5B-Instruct-f16.gguf",
    "mmproj-Qwen2.5-0.5B-f16.gguf",
    "big/Qwen2.5-0.5B-Instruct-Q8_0-00001-of-00002.gguf",
    "big/Qwen2.5-0.5B-Instruct-Q8_0-00002-of-00002.gguf",
]


@pytest.mark.parametrize(
    ("quant", "expected"),
    [
        ("Q4_K_M", "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf"),
        ("q4_k_s", "Qwen2.5-0.5B-Instruct-Q4_K_S.gguf"),
        ("Q4_K", "Qwen2.5-0.5B-Instruct-Q4_K.gguf"),
        ("IQ4_XS", "Qwen2.5-0.5B-Instruct-IQ4_XS.gguf"),
        ("F16", "Qwen2.5-0.5B-Instruct-f16.gguf"),  # not the vision projector
        (None, "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf"),  # the configured default
    ],
)
def test_an_hf_reference_picks_the_file_of_its_quantization(quant, expected):
    assert choose_file("o/r", BARTOWSKI, quant, "Q4_K_M")[0] == expected


def test_split_and_missing_quantizations_are_explained():
    with pytest.raises(BadInputError, match="split in several files"):
        choose_file("o/r", BARTOWSKI, "Q8_0", "Q4_K_M")
    with pytest.raises(ModelNotFoundError, match="its quantizations: Q4_K, Q4_K_M"):
        choose_file("o/r", BARTOWSKI, "Q2_K", "Q4_K_M")
