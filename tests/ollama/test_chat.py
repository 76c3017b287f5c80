"""Inference through `ollama.Client.chat`: messages, options, streaming and the final line."""

from __future__ import annotations

import pytest
from llmspell import CompletionRequest, GenerationParams, Message

from tests.ollama.conftest import MODEL, write_config


def last_chat(server) -> dict:
    return server.requests_to("/api/chat")[-1]["body"]


def test_a_completion_carries_text_model_provider_tokens_and_latency(manager):
    result = manager.agent(f"ollama/{MODEL}").execute("why is the sky blue")
    assert result.text == "why is the sky blue"  # the test server echoes the prompt's words
    assert result.model == MODEL
    assert result.provider == "ollama"
    assert result.finish_reason == "stop"
    assert result.usage.completion == 5  # eval_count of the final line
    assert result.usage.prompt == 5 + 4  # prompt_eval_count of the final line
    assert result.usage.total == 14
    assert result.latency_ms > 0


def test_streaming_yields_text_as_it_comes_then_one_final_chunk(manager):
    chunks = list(manager.agent(f"ollama/{MODEL}").stream("one two three four"))
    assert [c.text for c in chunks[:-1]] == ["one", " two", " three", " four"]
    assert [c.done for c in chunks] == [False] * 4 + [True]
    final = chunks[-1].result
    assert final.text == "one two three four"
    assert final.usage.completion == 4
    assert final.finish_reason == "stop"


def test_the_text_carried_by_the_final_done_line_is_kept(manager, ollama_server):
    # The server puts the last word in the `done: true` line, as Ollama does since v0.30.
    chunks = list(manager.agent(f"ollama/{MODEL}").stream("alpha omega"))
    assert "".join(c.text for c in chunks) == "alpha omega"
    assert chunks[-1].result.text == "alpha omega"


def test_system_prompt_and_conversation_are_sent_as_chat_messages(manager, ollama_server):
    agent = manager.agent(f"ollama/{MODEL}", system_prompt="Be brief.")
    agent.complete("first question")
    agent.complete("second question")
    assert last_chat(ollama_server)["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first question"},
        {"role": "user", "content": "second question"},
    ]
    assert last_chat(ollama_server)["stream"] is False  # complete() asks for one object


def test_streaming_requests_ask_for_a_stream(manager, ollama_server):
    list(manager.agent(f"ollama/{MODEL}").stream("hi"))
    assert last_chat(ollama_server)["stream"] is True


def test_parameters_map_to_ollama_options(manager, ollama_server):
    params = GenerationParams(
        temperature=0.2,
        top_p=0.8,
        top_k=20,
        repeat_penalty=1.1,
        max_tokens=64,
        seed=7,
        stop=["END"],
    )
    manager.agent(f"ollama/{MODEL}").complete("hello", params)
    assert last_chat(ollama_server)["options"] == {
        "temperature": 0.2,
        "top_p": 0.8,
        "top_k": 20,
        "repeat_penalty": 1.1,
        "num_predict": 64,
        "seed": 7,
        "stop": ["END"],
    }


def test_unset_parameters_are_left_to_the_models_defaults(manager, ollama_server):
    manager.agent(f"ollama/{MODEL}").complete("hello")
    body = last_chat(ollama_server)
    assert body.get("options") in (None, {})
    assert "keep_alive" not in body


def test_num_ctx_num_thread_and_keep_alive_come_from_the_config(isolated_home, ollama_server):
    from llmspell import Manager

    write_config(isolated_home, ollama_server.url, num_ctx=2048, num_thread=2, keep_alive="10m")
    agent = Manager().agent(f"ollama/{MODEL}")
    assert agent.provider.context_length == 2048
    agent.complete("hello")
    body = last_chat(ollama_server)
    assert body["options"] == {"num_ctx": 2048, "num_thread": 2}
    assert body["keep_alive"] == "10m"


def test_context_length_defaults_to_ollamas_window_within_the_models_limit(manager, ollama_server):
    assert manager.agent(f"ollama/{MODEL}").provider.context_length == 4096
    ollama_server.add_model("tiny:ctx", context_length=2048)
    assert manager.agent("ollama/tiny:ctx").provider.context_length == 2048
    ollama_server.add_model("tuned:ctx", parameters="num_ctx                        8192")
    assert manager.agent("ollama/tuned:ctx").provider.context_length == 8192


def test_max_tokens_stops_generation_with_finish_reason_length(manager):
    agent = manager.agent(f"ollama/{MODEL}")
    result = agent.execute("a b c d e f", GenerationParams(max_tokens=2))
    assert result.text == "a b"
    assert result.finish_reason == "length"
    assert result.usage.completion == 2
    chunks = list(agent.stream("a b c d e f", GenerationParams(max_tokens=3)))
    assert chunks[-1].result.finish_reason == "length"
    assert chunks[-1].result.text == "a b c"


def test_a_stop_string_ends_the_answer(manager):
    result = manager.agent(f"ollama/{MODEL}").execute(
        "keep this STOP not this", GenerationParams(stop=["STOP"])
    )
    assert result.text == "keep this "
    assert result.finish_reason == "stop"


def test_complete_and_stream_give_the_same_result(manager):
    provider = manager.backend("ollama").provider(MODEL)
    request = CompletionRequest([Message("user", "same words here")])
    whole = provider.complete(request)
    streamed = list(provider.stream(request))[-1].result
    assert (whole.text, whole.usage, whole.finish_reason) == (
        streamed.text,
        streamed.usage,
        streamed.finish_reason,
    )


@pytest.mark.parametrize("spec", [f"local/{MODEL}", f"{MODEL}@ollama", f"local/{MODEL}@ollama"])
def test_specs_without_or_with_the_backend_reach_ollama(manager, spec):
    assert manager.agent(spec).execute("hi").provider == "ollama"


def test_the_provider_is_created_once_per_model(manager, ollama_server):
    backend = manager.backend("ollama")
    assert backend.provider(MODEL) is backend.provider(MODEL.upper())
    assert len(ollama_server.requests_to("/api/show")) == 1
