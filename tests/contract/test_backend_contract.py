"""What every backend promises through the manager, checked on each shipped backend.

- ollama: the real plugin and `ollama` client against the Ollama-speaking test server;
- gguf: the real plugin and llama-cpp-python on the real SmolLM2-135M-Instruct GGUF.
The checks are behavioural (shapes, counts, error types), so they hold for a real language
model and for the test server's echo model alike.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest
from llmspell import (
    CompletionResult,
    GenerationParams,
    LocalModel,
    Manager,
    ModelInfo,
    ModelNotFoundError,
)

from tests.ollama.conftest import write_config
from tests.support.ollama_server import OllamaTestServer

PROMPT = "Write a long story about a dragon who learns to fly over the sea."


@attrs.frozen
class Subject:
    manager: Manager
    backend: str
    model: str

    @property
    def spec(self) -> str:
        return f"{self.backend}/{self.model}"

    def agent(self, **kwargs):
        return self.manager.agent(self.spec, **kwargs)


@pytest.fixture(params=["ollama", pytest.param("gguf", marks=pytest.mark.slow)])
def subject(request, isolated_home) -> Iterator[Subject]:
    if request.param == "ollama":
        with OllamaTestServer() as server:
            server.add_model("smollm2:135m")
            write_config(isolated_home, server.url)
            yield Subject(Manager(), "ollama", "smollm2:135m")
        return
    smollm2_path = request.getfixturevalue("smollm2_path")
    manager = Manager()
    manager.import_file(str(smollm2_path), "smollm2:135m", link=True)
    yield Subject(manager, "gguf", "smollm2:135m")


def check_result(result: CompletionResult, subject: Subject) -> None:
    assert isinstance(result, CompletionResult)
    assert isinstance(result.text, str) and result.text
    assert result.model == subject.model
    assert result.provider == subject.backend
    assert result.finish_reason in ("stop", "length")
    assert result.latency_ms > 0


def test_complete_and_stream_give_results_of_the_same_shape(subject):
    params = GenerationParams(max_tokens=8, temperature=0.0, seed=1)
    completed = subject.agent().execute(PROMPT, params)
    check_result(completed, subject)
    chunks = list(subject.agent().stream(PROMPT, params))
    assert [c.done for c in chunks] == [False] * (len(chunks) - 1) + [True]
    streamed = chunks[-1].result
    check_result(streamed, subject)
    assert "".join(c.text for c in chunks) == streamed.text


def test_the_final_chunk_carries_token_usage(subject):
    final = list(subject.agent().stream(PROMPT, GenerationParams(max_tokens=6)))[-1]
    usage = final.result.usage
    assert usage.prompt > 0
    assert 0 < usage.completion <= 6
    assert usage.total == usage.prompt + usage.completion


def test_max_tokens_is_honoured(subject):
    result = subject.agent().execute(PROMPT, GenerationParams(max_tokens=3))
    assert result.usage.completion <= 3
    if result.usage.completion == 3:
        assert result.finish_reason == "length"


def test_a_system_prompt_is_sent_with_the_conversation(subject):
    # Compared between two system prompts: a chat template may add its own default one.
    params = GenerationParams(max_tokens=4)
    short = subject.agent(system_prompt="Be brief.").execute("Hi", params)
    long = subject.agent(
        system_prompt="You are a terse assistant who answers every question in as few words "
        "as possible and never writes more than one short sentence."
    ).execute("Hi", params)
    check_result(long, subject)
    assert long.usage.prompt > short.usage.prompt


def test_an_agent_remembers_the_conversation(subject):
    agent = subject.agent()
    first = agent.execute("Hi", GenerationParams(max_tokens=4))
    second = agent.execute("Hi", GenerationParams(max_tokens=4))
    assert second.usage.prompt > first.usage.prompt


def test_list_and_info_describe_the_model(subject):
    listed = {m.name: m for m in subject.manager.list_models(backend=subject.backend)}
    model = listed[subject.model]
    assert isinstance(model, LocalModel)
    assert model.backend == subject.backend
    assert model.id == subject.spec
    assert model.size_bytes > 0
    assert isinstance(model.quantization, str)
    assert isinstance(model.modified_at, float)

    info = subject.manager.info(subject.spec)
    assert isinstance(info, ModelInfo)
    assert info.id == subject.spec
    assert info.format == subject.backend
    assert info.architecture == "llama"
    assert info.parameter_count == 134_515_008
    assert info.context_length == 8192
    assert info.has_chat_template is True
    assert info.size_bytes > 0
    assert isinstance(info.quantization, str)


def test_a_missing_model_is_model_not_found(subject):
    missing = f"{subject.backend}/no-such-model:1b"
    with pytest.raises(ModelNotFoundError):
        subject.manager.agent(missing)
    with pytest.raises(ModelNotFoundError):
        subject.manager.info(missing)
