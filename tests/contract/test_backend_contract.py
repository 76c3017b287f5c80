"""The conformance kit (`llmspell.testing`) run on every shipped backend, plus model facts.

- echo: the example plugin, through its real entry point;
- ollama: the real plugin and `ollama` client against the Ollama-speaking test server;
- gguf: the real plugin and llama-cpp-python on the real SmolLM2-135M-Instruct GGUF.
"""

from __future__ import annotations

import pytest
from llmspell import Manager
from llmspell.testing import BackendContract, Subject

from tests.ollama.conftest import write_config
from tests.support.ollama_server import OllamaTestServer


class TestEcho(BackendContract):
    @pytest.fixture
    def llmspell_subject(self):
        return Subject(Manager(), "echo", "echo")


class TestOllama(BackendContract):
    @pytest.fixture
    def llmspell_subject(self, isolated_home):
        with OllamaTestServer() as server:
            server.add_model("smollm2:135m")
            write_config(isolated_home, server.url)
            yield Subject(Manager(), "ollama", "smollm2:135m")

    def test_info_reads_the_models_metadata(self, llmspell_subject):
        check_smollm2_info(llmspell_subject)


@pytest.mark.slow
class TestGguf(BackendContract):
    @pytest.fixture
    def llmspell_subject(self, smollm2_path):
        manager = Manager()
        manager.import_file(str(smollm2_path), "smollm2:135m", link=True)
        return Subject(manager, "gguf", "smollm2:135m")

    def test_info_reads_the_models_metadata(self, llmspell_subject):
        check_smollm2_info(llmspell_subject)


def check_smollm2_info(subject: Subject) -> None:
    model = {m.name: m for m in subject.manager.list_models(backend=subject.backend)}[subject.model]
    assert model.size_bytes > 0 and isinstance(model.quantization, str)
    assert isinstance(model.modified_at, float)
    info = subject.manager.info(subject.spec)
    assert info.format == subject.backend
    assert info.architecture == "llama"
    assert info.parameter_count == 134_515_008
    assert info.context_length == 8192
    assert info.has_chat_template is True
    assert info.size_bytes > 0 and isinstance(info.quantization, str)
