"""Broken inputs give a clear llmspell error that says what to do, never a crash or a hang."""

from __future__ import annotations

import os

import attrs
import pytest
from llmspell import (
    CompletionRequest,
    GenerationParams,
    InferenceError,
    ModelNotFoundError,
)
from llmspell_gguf import loader
from llmspell_gguf.provider import GgufProvider


def test_a_missing_file_is_model_not_found(tmp_path, load_options):
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        GgufProvider("gone", tmp_path / "gone.gguf", load_options)


def test_a_truncated_gguf_is_reported_as_truncated(tmp_path, smollm2_path, load_options):
    truncated = tmp_path / "truncated.gguf"
    with smollm2_path.open("rb") as src:
        truncated.write_bytes(src.read(smollm2_path.stat().st_size // 2))
    with pytest.raises(InferenceError, match="truncated"):
        GgufProvider("truncated", truncated, load_options)
    assert not loader.is_loaded(truncated)


def test_a_file_of_random_bytes_is_not_gguf(tmp_path, load_options):
    noise = tmp_path / "noise.gguf"
    noise.write_bytes(os.urandom(256 * 1024))
    with pytest.raises(InferenceError, match="is not a GGUF"):
        GgufProvider("noise", noise, load_options)


def test_a_gguf_header_followed_by_garbage_is_damaged(tmp_path, load_options):
    damaged = tmp_path / "damaged.gguf"
    damaged.write_bytes(b"GGUF\x03\x00\x00\x00" + os.urandom(64 * 1024))
    with pytest.raises(InferenceError, match="corrupt"):
        GgufProvider("damaged", damaged, load_options)


def test_an_empty_file_and_a_directory_are_refused(tmp_path, load_options):
    empty = tmp_path / "empty.gguf"
    empty.touch()
    with pytest.raises(InferenceError, match="not a GGUF"):
        GgufProvider("empty", empty, load_options)
    with pytest.raises(InferenceError, match="is a directory"):
        GgufProvider("dir", tmp_path, load_options)


@pytest.fixture(scope="module")
def small_context(smollm2_path, load_options):
    """SmolLM2 with a 256-token context (llama.cpp's smallest), freed after these tests."""
    provider = GgufProvider("smollm2", smollm2_path, attrs.evolve(load_options, n_ctx=256))
    yield provider
    loader.unload(smollm2_path)


def test_a_prompt_longer_than_the_context_is_a_runtime_failure(small_context):
    assert small_context.context_length == 256
    long_text = "Tell me about the sea. " * 100
    request = CompletionRequest.from_text(long_text, params=GenerationParams(max_tokens=4))
    with pytest.raises(InferenceError, match=r"context holds 256.*context_size"):
        small_context.complete(request)
    # The model is still usable afterwards.
    short = CompletionRequest.from_text("Hi", params=GenerationParams(max_tokens=2))
    assert small_context.complete(short).usage.completion <= 2


def test_a_reply_that_would_overflow_the_context_ends_with_length(small_context):
    text = "Continue this list of sea creatures: " + "crab, " * 105
    result = small_context.complete(CompletionRequest.from_text(text))  # max_tokens 512
    assert result.usage.prompt > 230
    if result.finish_reason == "length":
        assert result.usage.total == 256
    else:
        assert result.usage.total < 256


def test_an_architecture_llama_cpp_does_not_know_says_to_upgrade(tmp_path, load_options, capfd):
    import gguf
    import numpy as np

    alien = tmp_path / "alien.gguf"
    writer = gguf.GGUFWriter(str(alien), "alien")
    writer.add_context_length(128)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with pytest.raises(InferenceError, match=r"unknown model architecture: 'alien'.*Upgrade"):
        GgufProvider("alien", alien, load_options)
    out, err = capfd.readouterr()
    assert "llama_model_load" not in out + err  # llama.cpp's own log stays quiet
