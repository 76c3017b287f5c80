"""The conformance kit (`llmspell.testing`) on the openai backend, against two servers:
llama-cpp-python's real server with SmolLM2, and Ollama's `/v1` API (the project's Ollama
test server). llama-cpp-python's server sends no usage while streaming and no `created`
date; the kit accepts what a backend reports as unknown.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llmspell import Manager
from llmspell.testing import BackendContract, Subject

from tests.openai.llama_server import MODEL_ID
from tests.support.ollama_server import OllamaTestServer


class TestOnLlamaCppServer(BackendContract):
    @pytest.fixture
    def llmspell_subject(self, llama_server, configure) -> Subject:
        configure(llamacpp={"base_url": llama_server.url})
        return Subject(Manager(), "llamacpp", MODEL_ID)


class TestOnOllamaV1(BackendContract):
    @pytest.fixture
    def llmspell_subject(self, configure) -> Iterator[Subject]:
        with OllamaTestServer() as ollama:
            ollama.add_model("smollm2:135m")
            configure(ov1={"base_url": ollama.url + "/v1"})
            yield Subject(Manager(), "ov1", "smollm2:135m")
