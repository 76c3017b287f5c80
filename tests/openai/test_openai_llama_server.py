"""The openai backend against llama-cpp-python's real OpenAI-compatible server and SmolLM2.

The server's model id has a slash (`HuggingFaceTB/SmolLM2-135M-Instruct`), as vLLM ids do,
so every spec here also checks that `NAME/owner/model` keeps the model's own slash.
"""

from __future__ import annotations

import json

import pytest
from llmspell import (
    GenerationParams,
    InferenceError,
    Manager,
    ModelNotFoundError,
    NotSupportedError,
)

from tests.openai.llama_server import MODEL_ID

SPEC = f"vllm/{MODEL_ID}"
PARIS = GenerationParams(temperature=0.0, max_tokens=24, seed=1)


@pytest.fixture
def manager(llama_server, configure) -> Manager:
    configure(vllm={"base_url": llama_server.url, "timeout_seconds": 120})
    return Manager()


def test_the_server_is_a_backend_named_after_its_table(manager, llama_server):
    status = {s.backend: s for s in manager.status()}["vllm"]
    assert status.healthy
    assert status.model_count == 1
    assert status.endpoint == llama_server.url


def test_list_shows_the_models_the_server_serves(manager):
    listed = manager.list_models(backend="vllm")
    assert [m.id for m in listed] == [SPEC]
    assert listed[0].backend == "vllm"


def test_a_streamed_answer_at_temperature_zero_knows_the_capital_of_france(manager):
    agent = manager.agent(SPEC, system_prompt="Answer in one short sentence.")
    chunks = list(agent.stream("What is the capital of France?", PARIS))
    assert len(chunks) > 2, "the answer arrives in pieces"
    final = chunks[-1]
    assert final.done
    assert "Paris" in final.result.text
    assert final.result.text == "".join(c.text for c in chunks)
    assert final.result.model == MODEL_ID
    assert final.result.provider == "vllm"
    assert final.result.finish_reason in ("stop", "length")
    assert final.result.latency_ms > 0


def test_a_complete_answer_carries_the_servers_token_counts(manager):
    result = manager.agent(SPEC).execute("Name a colour.", GenerationParams(max_tokens=5))
    assert result.usage.prompt > 5
    assert 0 < result.usage.completion <= 5
    assert result.usage.total == result.usage.prompt + result.usage.completion


def test_usage_of_a_stream_is_unknown_when_the_server_ignores_include_usage(manager):
    # llama-cpp-python's server accepts stream_options but sends no usage chunk.
    final = list(manager.agent(SPEC).stream("Name a colour.", GenerationParams(max_tokens=5)))[-1]
    usage = final.result.usage
    assert (usage.prompt, usage.completion, usage.total) == (None, None, None)
    assert final.result.to_dict()["tokens"] == {"prompt": None, "completion": None, "total": None}


def test_max_tokens_cuts_the_answer_with_finish_reason_length(manager):
    result = manager.agent(SPEC).execute(
        "Write a long story about a dragon.", GenerationParams(max_tokens=3)
    )
    assert result.usage.completion == 3
    assert result.finish_reason == "length"


def test_llmspell_only_sampling_parameters_reach_a_server_that_reads_them(
    manager, llama_server, configure
):
    # llama.cpp reads top_k from the body: top_k = 1 is greedy even at a high temperature.
    params = GenerationParams(temperature=1.5, top_k=1, repeat_penalty=1.0, max_tokens=12)
    prompt = "Say something surprising."
    greedy = {manager.agent(SPEC).execute(prompt, params).text for _ in range(3)}
    assert len(greedy) == 1
    # The same request without the extra fields samples at temperature 1.5.
    configure(vllm={"base_url": llama_server.url, "options": {"sampling_extras": False}})
    plain = Manager()
    sampled = {plain.agent(SPEC).execute(prompt, params).text for _ in range(3)}
    assert len(sampled) > 1


def test_local_specs_find_the_model_on_the_server(manager):
    resolution = manager.resolve(f"local/{MODEL_ID}")
    assert resolution.backend.name == "vllm"
    assert resolution.spec.name == MODEL_ID


def test_info_reports_what_the_server_says(manager):
    info = manager.info(SPEC)
    assert info.id == SPEC
    assert info.backend == "vllm"
    assert info.format == "openai"
    assert info.loaded is True


def test_a_model_the_server_does_not_serve_is_not_found_with_the_list_it_serves(manager):
    with pytest.raises(ModelNotFoundError) as caught:
        manager.agent("vllm/meta-llama/Llama-3.1-8B-Instruct")
    message = str(caught.value)
    assert "'meta-llama/Llama-3.1-8B-Instruct'" in message
    assert f"It serves: {MODEL_ID}." in message


def test_pull_and_remove_are_not_supported_and_name_the_servers_tool(manager):
    assert manager.pull(SPEC).status == "present"  # served already: nothing to do
    with pytest.raises(NotSupportedError, match=r"llama_cpp\.server --model"):
        manager.pull("vllm/meta-llama/Llama-3.1-8B-Instruct")
    with pytest.raises(NotSupportedError, match="cannot remove models"):
        manager.backend("vllm").remove(MODEL_ID)


def test_cli_model_list_status_and_info(manager, cli):
    code, out, _ = cli("model", "list", "--backend", "vllm", "--format", "json")
    assert code == 0
    assert [m["id"] for m in json.loads(out)["models"]] == [SPEC]

    code, out, _ = cli("model", "status")
    assert code == 0
    assert any(line.split()[:2] == ["vllm", "ready"] for line in out.splitlines())

    code, out, _ = cli("model", "info", SPEC, "--format", "json")
    assert code == 0
    assert json.loads(out)["backend"] == "vllm"

    code, _, err = cli("model", "pull", "vllm/meta-llama/Llama-3.1-8B-Instruct")
    assert code == 1
    assert "cannot pull models" in err


def test_a_lua_agent_on_the_server(manager, capfd):
    from llmspell_lua.commands import exec_code

    code = f"""
    local agent = Agent.create({{ model = "{SPEC}", system_prompt = "Answer in one short sentence.",
                                 temperature = 0, max_tokens = 24 }})
    local r = agent:execute({{ text = "What is the capital of France?" }})
    print(r.metadata.provider, r.metadata.model)
    print(r.text)
    local s = LocalLLM.status()
    print("status", s.vllm.running, s.vllm.models)
    for _, m in ipairs(LocalLLM.list("vllm")) do print("model", m.id) end
    """
    capfd.readouterr()
    assert exec_code(code, ()) == 0
    out = capfd.readouterr().out.splitlines()
    assert out[0] == f"vllm\t{MODEL_ID}"
    assert "Paris" in out[1]
    assert "status\ttrue\t1" in out
    assert f"model\t{SPEC}" in out


def test_a_broken_connection_mid_answer_is_an_inference_error_keeping_the_text(
    smollm2_path, server_logs, configure
):
    from tests.openai.llama_server import LlamaServer

    with LlamaServer(smollm2_path, log_dir=server_logs) as doomed:
        configure(doomed={"base_url": doomed.url})
        stream = (
            Manager()
            .agent(f"doomed/{MODEL_ID}")
            .stream(
                "Write a long story about a dragon who learns to fly.",
                GenerationParams(max_tokens=400, temperature=0.0),
            )
        )
        received = [next(stream).text for _ in range(3)]
        doomed.kill()
        with pytest.raises(InferenceError) as caught:
            for chunk in stream:
                received.append(chunk.text)
    error = caught.value
    assert "stopped in the middle of the answer" in str(error)
    assert error.partial_text == "".join(received)
    assert error.partial_text


def test_a_prompt_longer_than_the_servers_context_is_an_inference_error(manager):
    # The server runs with a 2048-token context; llama-cpp-python answers HTTP 400.
    with pytest.raises(InferenceError, match=r"refused to generate with .* \(HTTP 400\): "):
        manager.agent(SPEC).execute("dragon " * 3000, GenerationParams(max_tokens=4))
