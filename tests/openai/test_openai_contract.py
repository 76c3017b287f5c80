"""The behavioural contract every backend keeps (tests/contract), run on the openai backend.

Two subjects: llama-cpp-python's real server with SmolLM2, and Ollama's `/v1` API (the
project's Ollama test server). Left out: the contract's `list`/`info` check, which expects
facts only a model file reveals (architecture, parameter count, trained context, chat
template); an OpenAI-compatible server reports none of them (see
test_openai_llama_server.py for what `info` does report). Streamed usage is checked on
Ollama's `/v1` only: llama-cpp-python's server sends none, and the backend says "unknown".
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llmspell import Manager

from tests.contract.test_backend_contract import (
    Subject,
    test_a_missing_model_is_model_not_found,
    test_a_system_prompt_is_sent_with_the_conversation,
    test_an_agent_remembers_the_conversation,
    test_complete_and_stream_give_results_of_the_same_shape,
    test_max_tokens_is_honoured,
    test_the_final_chunk_carries_token_usage,
)
from tests.openai.llama_server import MODEL_ID
from tests.support.ollama_server import OllamaTestServer

__all__ = [
    "test_a_missing_model_is_model_not_found",
    "test_a_system_prompt_is_sent_with_the_conversation",
    "test_an_agent_remembers_the_conversation",
    "test_complete_and_stream_give_results_of_the_same_shape",
    "test_max_tokens_is_honoured",
    "test_the_final_chunk_carries_token_usage",
]


@pytest.fixture(params=["llama-cpp-server", "ollama-v1"])
def subject(request, configure) -> Iterator[Subject]:
    if request.param == "llama-cpp-server":
        if request.node.originalname == "test_the_final_chunk_carries_token_usage":
            pytest.skip("llama-cpp-python's server sends no usage while streaming")
        server = request.getfixturevalue("llama_server")
        configure(llamacpp={"base_url": server.url})
        yield Subject(Manager(), "llamacpp", MODEL_ID)
        return
    with OllamaTestServer() as ollama:
        ollama.add_model("smollm2:135m")
        configure(ov1={"base_url": ollama.url + "/v1"})
        yield Subject(Manager(), "ov1", "smollm2:135m")
