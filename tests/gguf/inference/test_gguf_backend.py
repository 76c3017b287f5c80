"""The GGUF backend through the core's Manager: loading once, unloading, status, config."""

from __future__ import annotations

import pytest
from llmspell import BackendUnavailableError, GenerationParams, Manager
from llmspell_gguf import hardware, loader

SHORT = GenerationParams(max_tokens=4, temperature=0)


def manager_with(*models) -> Manager:
    manager = Manager()
    for path, name in models:
        manager.import_file(str(path), name, link=True)
    return manager


def test_agents_of_two_managers_share_one_loaded_model(smollm2_path):
    first = manager_with((smollm2_path, "smollm2:135m"))
    second = Manager()
    a = first.agent("gguf/smollm2:135m")
    b = second.agent("local/smollm2:135m@gguf")
    assert a.execute("Hi", SHORT).text
    assert b.execute("Hi", SHORT).text
    loaded_a = loader.acquire(a.provider.path, a.provider.options)
    assert loader.acquire(b.provider.path, b.provider.options) is loaded_a
    assert first.backend("gguf").provider("smollm2:135m") is a.provider


def test_info_says_whether_the_model_is_loaded_and_unload_frees_it(smollm2_path):
    manager = manager_with((smollm2_path, "smollm2:135m"))
    manager.agent("gguf/smollm2:135m").execute("Hi", SHORT)
    assert manager.info("gguf/smollm2:135m").loaded
    manager.unload("gguf/smollm2:135m")
    assert not manager.info("gguf/smollm2:135m").loaded
    assert not loader.is_loaded(smollm2_path)


def test_status_reports_version_device_models_and_directory(smollm2_path):
    import llama_cpp

    manager = manager_with((smollm2_path, "smollm2:135m"))
    (status,) = [s for s in manager.status() if s.backend == "gguf"]
    assert status.healthy, status.error
    assert status.version == llama_cpp.__version__
    assert status.device == ("gpu offload" if hardware.gpu_offload_supported() else "cpu")
    assert status.model_count == 1
    assert status.endpoint == str(manager.backend("gguf").store.root)
    assert status.details["threads"] == hardware.physical_cores()


def test_a_base_model_without_a_template_chats_in_completion_mode(gemma3_path):
    manager = manager_with((gemma3_path, "gemma3:270m"))
    info = manager.info("gguf/gemma3:270m")
    assert info.has_chat_template is False
    agent = manager.agent("gguf/gemma3:270m")
    assert agent.provider.chat_template is False
    result = agent.execute("Paris is the capital of", GenerationParams(max_tokens=4, temperature=0))
    assert result.text.startswith(" France")


def test_candle_is_another_name_for_the_gguf_backend(smollm2_path):
    manager = manager_with((smollm2_path, "smollm2:135m"))
    assert manager.backend("candle") is manager.backend("gguf")
    assert manager.agent("local/smollm2:135m@candle").execute("Hi", SHORT).provider == "gguf"


def test_options_from_llmspell_toml_reach_the_model(smollm2_path, isolated_home):
    import llama_cpp

    (isolated_home / "llmspell.toml").write_text(
        "[providers.gguf.options]\n"
        "context_size = 1024\ncpu_threads = 1\nbatch_size = 128\n"
        "max_concurrent = 3\nparallel = 2\nflash_attention = false\ndevice = 'cpu'\n"
    )
    manager = manager_with((smollm2_path, "smollm2:135m"))
    agent = manager.agent("gguf/smollm2:135m")
    ctx = loader.acquire(agent.provider.path, agent.provider.options).ctx
    assert agent.provider.context_length == llama_cpp.llama_n_ctx(ctx) == 1024
    assert (llama_cpp.llama_n_threads(ctx), llama_cpp.llama_n_threads_batch(ctx)) == (1, 1)
    assert (llama_cpp.llama_n_batch(ctx), llama_cpp.llama_n_seq_max(ctx)) == (128, 2)
    assert agent.provider.options.flash_attn is False
    assert manager.backend("gguf").slots.limit == 3
    assert agent.execute("Hi", SHORT).usage.completion <= 4


def test_a_gpu_device_without_a_gpu_build_is_reported_not_crashed(smollm2_path, isolated_home):
    if hardware.gpu_offload_supported():
        pytest.skip("this llama-cpp-python can offload to a GPU")
    (isolated_home / "llmspell.toml").write_text("[providers.gguf.options]\ndevice = 'cuda'\n")
    manager = manager_with((smollm2_path, "smollm2:135m"))
    (status,) = [s for s in manager.status() if s.backend == "gguf"]
    assert not status.healthy
    assert "without GPU offload" in status.error
    with pytest.raises(BackendUnavailableError, match="device = 'auto' or 'cpu'"):
        manager.agent("gguf/smollm2:135m")
