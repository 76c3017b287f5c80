"""A GGUF file is loaded once per process with the configured options, and unloaded on request."""

from __future__ import annotations

import subprocess
import sys

import attrs
import pytest
from llmspell import BackendUnavailableError, CompletionRequest, GenerationParams
from llmspell_gguf import hardware, loader
from llmspell_gguf.loader import LoadOptions
from llmspell_gguf.options import GgufOptions
from llmspell_gguf.provider import GgufProvider


def test_providers_of_one_file_share_one_loaded_model(smollm2, smollm2_path, load_options):
    other = GgufProvider("another-name", smollm2_path, load_options)
    first = loader.acquire(smollm2.path, load_options)
    assert loader.acquire(other.path, load_options) is first
    assert (
        loader.acquire(str(smollm2_path), LoadOptions.from_options(GgufOptions())).native
        is first.native
    )


def test_unload_frees_the_model_and_the_next_request_loads_it_again(smollm2_path, load_options):
    provider = GgufProvider("smollm2", smollm2_path, load_options)
    before = loader.acquire(smollm2_path, load_options)
    assert loader.is_loaded(smollm2_path)
    assert loader.unload(smollm2_path) >= 1
    assert before.closed and not loader.is_loaded(smollm2_path)
    result = provider.complete(
        CompletionRequest.from_text("Hi", params=GenerationParams(max_tokens=2))
    )
    assert result.usage.completion <= 2
    assert loader.is_loaded(smollm2_path)
    assert loader.acquire(smollm2_path, load_options) is not before


def test_options_reach_llama_cpp(smollm2, load_options):
    import llama_cpp

    ctx = loader.acquire(smollm2.path, load_options).ctx
    threads = load_options.n_threads  # the physical cores, less those others keep busy
    assert 1 <= threads <= hardware.physical_cores()
    assert (llama_cpp.llama_n_threads(ctx), llama_cpp.llama_n_threads_batch(ctx)) == (
        threads,
        threads,
    )
    assert llama_cpp.llama_n_ctx(ctx) == 4096
    assert llama_cpp.llama_n_batch(ctx) == llama_cpp.llama_n_ubatch(ctx) == 512
    assert llama_cpp.llama_n_seq_max(ctx) == GgufOptions().parallel == 8
    assert smollm2.context_length == 4096


def test_cpu_threads_zero_means_physical_cores_and_a_number_is_kept():
    # At most the physical cores: fewer when other processes keep some busy (hardware.py).
    auto = LoadOptions.from_options(GgufOptions(cpu_threads=0)).n_threads
    assert 1 <= auto <= hardware.physical_cores()
    assert LoadOptions.from_options(GgufOptions(cpu_threads=3)).n_threads == 3
    assert 1 <= hardware.physical_cores() <= len(hardware._allowed_cpus())


def test_a_context_larger_than_the_model_was_trained_for_is_clamped(smollm2_path, load_options):
    # SmolLM2-135M was trained with 8192 tokens of context.
    provider = GgufProvider("smollm2", smollm2_path, attrs.evolve(load_options, n_ctx=65536))
    try:
        assert provider.context_length == 8192
    finally:
        loader.unload(smollm2_path)


def test_device_auto_offloads_only_when_llama_cpp_can():
    expected = -1 if hardware.gpu_offload_supported() else 0
    assert loader.gpu_layers("auto") == expected
    assert loader.gpu_layers("cpu") == 0
    if not hardware.gpu_offload_supported():
        with pytest.raises(BackendUnavailableError, match="without GPU offload"):
            loader.gpu_layers("cuda")


def test_importing_the_plugin_does_not_import_llama_cpp():
    code = (
        "import sys, llmspell_gguf.plugin, llmspell_gguf.backend;"
        "assert 'llama_cpp' not in sys.modules, 'llama_cpp imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_value_out_of_range_in_llmspell_toml_is_a_config_error(isolated_home):
    from llmspell import ConfigError, load_config

    (isolated_home / "llmspell.toml").write_text("[providers.gguf.options]\ncpu_threads = -2\n")
    with pytest.raises(ConfigError, match=r"llmspell.toml: .*cpu_threads to be 0 \(auto\) or more"):
        GgufOptions.from_config(load_config())
    for key in ("batch_size", "parallel"):
        (isolated_home / "llmspell.toml").write_text(f"[providers.gguf.options]\n{key} = 0\n")
        with pytest.raises(ConfigError, match=f"{key} to be at least 1, got 0"):
            GgufOptions.from_config(load_config())
    (isolated_home / "llmspell.toml").write_text("[providers.gguf.options]\nmax_concurrent = -1\n")
    with pytest.raises(ConfigError, match=r"max_concurrent to be 0 \(no limit\) or more"):
        GgufOptions.from_config(load_config())


def test_loading_and_generating_print_nothing(gemma3_path):
    # Gemma 3 makes llama.cpp log a notice about its sliding-window cache while loading;
    # raw llama-cpp-python prints it even with verbose=False.
    code = (
        "import sys; from llmspell import CompletionRequest, GenerationParams;"
        "from llmspell_gguf.loader import LoadOptions;"
        "from llmspell_gguf.provider import GgufProvider;"
        "p = GgufProvider('g', sys.argv[1], LoadOptions(512, 512, 1, 0, True));"
        "p.complete(CompletionRequest.from_text('Hi', params=GenerationParams(max_tokens=2)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(gemma3_path)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "")


def test_a_file_header_is_checked_once_per_version_of_the_file(smollm2_path, tmp_path, monkeypatch):
    import os
    import shutil

    from llmspell_gguf import metadata

    reads = []
    real = metadata.read_header
    monkeypatch.setattr(metadata, "read_header", lambda p: reads.append(p) or real(p))
    copy = tmp_path / "smollm2.gguf"
    shutil.copyfile(smollm2_path, copy)
    assert loader._trained_context(copy) == 8192
    assert loader._trained_context(copy) == 8192
    assert len(reads) == 1  # remembered in $LLMSPELL_HOME/cache
    os.utime(copy, ns=(1, 1))  # replaced by a new pull, say
    assert loader._trained_context(copy) == 8192
    assert len(reads) == 2
