"""The openai backend against Ollama's OpenAI-compatible `/v1` API (the project's Ollama
test server, which follows Ollama's docs/openai.md), and a gateway that validates requests
as the OpenAI service does.

Ollama's /v1 honours `stream_options.include_usage`, so streamed usage is known here.
"""

from __future__ import annotations

import logging

import pytest
from llmspell import GenerationParams, InferenceError, Manager, ModelNotFoundError, RuntimeFailure

from tests.openai.strict_gateway import StrictGateway
from tests.support.ollama_server import MID_STREAM_ERROR, OllamaTestServer

MODEL = "smollm2:135m"
SPEC = f"ov1/{MODEL}"
PROMPT = "one two three four five six seven eight"


@pytest.fixture
def ollama():
    with OllamaTestServer() as server:
        server.add_model(MODEL)
        yield server


@pytest.fixture
def manager(ollama, configure) -> Manager:
    configure(ov1={"base_url": ollama.url + "/v1", "options": {"max_retries": 0}})
    return Manager()


def last_chat_request(server: OllamaTestServer) -> dict:
    return server.requests_to("/v1/chat/completions")[-1]["body"]


def test_list_and_status_come_from_v1_models(manager):
    assert [m.id for m in manager.list_models(backend="ov1")] == [SPEC]
    assert {s.backend: s for s in manager.status()}["ov1"].model_count == 1


def test_a_stream_asks_for_usage_and_gets_it(manager, ollama):
    chunks = list(manager.agent(SPEC).stream(PROMPT, GenerationParams(max_tokens=3)))
    result = chunks[-1].result
    assert result.text == "one two three"
    assert result.finish_reason == "length"
    assert result.usage.completion == 3
    assert result.usage.prompt > 0
    assert last_chat_request(ollama)["stream_options"] == {"include_usage": True}


def test_parameters_go_under_their_openai_names_and_extras_in_the_body(manager, ollama):
    params = GenerationParams(
        temperature=0.2, top_p=0.9, top_k=20, repeat_penalty=1.1, max_tokens=4, seed=7,
        stop=["six"],
    )  # fmt: skip
    manager.agent(SPEC, system_prompt="Be brief.").execute(PROMPT, params)
    body = last_chat_request(ollama)
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": PROMPT},
    ]
    assert (body["temperature"], body["top_p"], body["max_tokens"], body["seed"]) == (
        0.2, 0.9, 4, 7,
    )  # fmt: skip
    assert body["stop"] == ["six"]
    assert (body["top_k"], body["repeat_penalty"], body["repetition_penalty"]) == (20, 1.1, 1.1)


def test_unset_parameters_are_left_to_the_server(manager, ollama):
    manager.agent(SPEC).execute(PROMPT, GenerationParams())
    body = last_chat_request(ollama)
    assert not {"temperature", "top_p", "top_k", "max_tokens", "seed", "stop"} & set(body)


def test_a_missing_model_is_not_found_with_the_served_list(manager):
    with pytest.raises(ModelNotFoundError, match=r"It serves: smollm2:135m\."):
        manager.agent("ov1/llama3.1:8b")


def test_a_connection_cut_mid_stream_keeps_the_partial_text(manager, ollama):
    ollama.drop_after = 3
    received = []
    with pytest.raises(InferenceError, match="stopped in the middle of the answer") as caught:
        for chunk in manager.agent(SPEC).stream(PROMPT, GenerationParams()):
            received.append(chunk.text)
    assert caught.value.partial_text == "one two three"
    assert "".join(received) == "one two three"


def test_an_error_event_mid_stream_is_an_inference_error_with_the_servers_words(manager, ollama):
    ollama.error_after = 2
    with pytest.raises(InferenceError) as caught:
        list(manager.agent(SPEC).stream(PROMPT, GenerationParams()))
    assert MID_STREAM_ERROR in str(caught.value)
    assert caught.value.partial_text == "one two"


def test_a_server_that_refuses_the_extra_fields_gets_the_request_without_them(
    ollama, configure, caplog
):
    with StrictGateway(ollama.url + "/v1") as gateway:
        configure(strict={"base_url": gateway.url, "options": {"max_retries": 0}})
        manager = Manager()
        params = GenerationParams(top_k=20, repeat_penalty=1.1, max_tokens=2)
        with caplog.at_level(logging.WARNING, logger="llmspell"):
            first = manager.agent(f"strict/{MODEL}").execute(PROMPT, params)
            second = manager.agent(f"strict/{MODEL}").execute(PROMPT, params)
    assert first.text == second.text == "one two"
    assert sorted(gateway.refused) == ["repeat_penalty", "repetition_penalty", "top_k"]
    body = last_chat_request(ollama)
    assert not {"top_k", "repeat_penalty", "repetition_penalty"} & set(body)
    notes = [r.getMessage() for r in caplog.records]
    assert any("strict does not accept top_k" in n for n in notes)


def test_sampling_extras_can_be_switched_off(ollama, configure):
    configure(ov1={"base_url": ollama.url + "/v1", "options": {"sampling_extras": False}})
    Manager().agent(SPEC).execute(PROMPT, GenerationParams(top_k=20, max_tokens=2))
    assert "top_k" not in last_chat_request(ollama)


def test_llmspell_chat_streams_from_the_server(ollama, configure):
    from tests.cli.helpers import llmspell

    configure(ov1={"base_url": ollama.url + "/v1"})
    ran = llmspell("chat", SPEC, input="hello from the other side\n")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "hello from the other side"


def test_llmspell_chat_with_the_server_down_fails_with_exit_1_and_the_url(configure, closed_url):
    from tests.cli.helpers import llmspell

    configure(ov1={"base_url": closed_url})
    ran = llmspell("chat", SPEC, input="hello\n")
    assert ran.returncode == 1
    assert ran.stderr.strip() == (
        f"Error: The OpenAI-compatible server 'ov1' is not reachable at {closed_url} "
        "(connection refused). Start the server, or fix base_url under [providers.ov1]."
    )


def test_a_server_error_is_retried_by_the_client_then_said_in_a_sentence(ollama, configure):
    ollama.error_after = 0  # every non-streamed chat answers HTTP 500
    configure(ov1={"base_url": ollama.url + "/v1", "options": {"max_retries": 1}})
    with pytest.raises(RuntimeFailure) as caught:
        Manager().agent(SPEC).execute(PROMPT, GenerationParams(max_tokens=2))
    assert len(ollama.requests_to("/v1/chat/completions")) == 2
    assert str(caught.value) == (
        f"The server 'ov1' at {ollama.url}/v1 failed to generate with 'smollm2:135m' "
        f"(HTTP 500, after 1 retry): {MID_STREAM_ERROR}. Check the server's log and retry."
    )


def test_lua_sees_the_server_in_list_status_and_info(manager, capfd):
    from llmspell_lua.commands import exec_code

    code = f"""
    local s = LocalLLM.status()
    print(s.ov1.running, s.ov1.models)
    local models = LocalLLM.list("ov1")
    print(#models, models[1].id, models[1].backend, type(models[1].modified_at))
    local info = LocalLLM.info("{SPEC}")
    print(info.id, info.backend, info.format)
    local agent = Agent.create({{ model = "{SPEC}" }})
    local r = agent:execute({{ text = "{PROMPT}" }})
    print(r.metadata.provider, r.metadata.tokens.completion)
    """
    capfd.readouterr()
    assert exec_code(code, ()) == 0, capfd.readouterr().err
    assert capfd.readouterr().out.splitlines() == [
        "true\t1",
        f"1\t{SPEC}\tov1\tnumber",
        f"{SPEC}\tov1\topenai",
        "ov1\t8",
    ]
