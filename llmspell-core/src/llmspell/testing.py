"""The behavioural contract every backend keeps, as a pytest kit for plugin authors.

Subclass `BackendContract` in a test module and give it a `llmspell_subject` fixture that
returns a `Subject`: the manager (configured to reach your backend), the backend's name and
one model it has. pytest then runs every check below against your backend, through the
same `Manager` the CLI and Lua use::

    import pytest
    from llmspell import Manager
    from llmspell.testing import BackendContract, Subject


    class TestMyBackend(BackendContract):
        @pytest.fixture
        def llmspell_subject(self):
            return Subject(Manager(), "mybackend", "some-model")

The checks are behavioural (shapes, counts, error types), so they hold for a real language
model and for a test server's echo model alike; a count the backend does not report
(`TokenUsage` fields left None) is skipped, never guessed. Needs pytest.
"""

from __future__ import annotations

import json

import attrs
import pytest

from .errors import ModelNotFoundError
from .inference import CompletionResult, GenerationParams, TokenUsage
from .manager import Manager
from .models import HealthStatus, LocalModel, ModelInfo

#: Long enough that no model finishes it within the few tokens the checks allow.
PROMPT = "Write a long story about a dragon who learns to fly over the sea."


@attrs.frozen
class Subject:
    """The backend under test: `manager` reaches it as `backend`, which has `model`."""

    manager: Manager
    backend: str
    model: str

    @property
    def spec(self) -> str:
        return f"{self.backend}/{self.model}"

    def agent(self, **kwargs):
        return self.manager.agent(self.spec, **kwargs)


def check_result(result: CompletionResult, subject: Subject) -> None:
    """A result names the model and the backend instance, and says why it ended."""
    assert isinstance(result, CompletionResult)
    assert isinstance(result.text, str) and result.text
    assert result.model == subject.model
    assert result.provider == subject.backend
    assert isinstance(result.finish_reason, str) and result.finish_reason
    assert result.latency_ms >= 0
    json.dumps(result.to_dict())


def _known(*counts: int | None) -> bool:
    return all(c is not None for c in counts)


class BackendContract:
    """The checks; a subclass provides the `llmspell_subject` fixture."""

    @pytest.fixture
    def llmspell_subject(self) -> Subject:
        raise NotImplementedError("override llmspell_subject to return a Subject")

    def test_complete_and_stream_give_results_of_the_same_shape(self, llmspell_subject):
        subject = llmspell_subject
        params = GenerationParams(max_tokens=8, temperature=0.0, seed=1)
        check_result(subject.agent().execute(PROMPT, params), subject)
        chunks = list(subject.agent().stream(PROMPT, params))
        assert [c.done for c in chunks] == [False] * (len(chunks) - 1) + [True]
        streamed = chunks[-1].result
        check_result(streamed, subject)
        assert "".join(c.text for c in chunks) == streamed.text

    def test_the_final_chunk_carries_token_usage(self, llmspell_subject):
        final = list(llmspell_subject.agent().stream(PROMPT, GenerationParams(max_tokens=6)))[-1]
        usage = final.result.usage
        assert isinstance(usage, TokenUsage)
        if usage.prompt is not None:
            assert usage.prompt > 0
        if usage.completion is not None:
            assert 0 < usage.completion <= 6
        if _known(usage.prompt, usage.completion):
            assert usage.total == usage.prompt + usage.completion
        else:
            assert usage.total is None

    def test_max_tokens_is_honoured(self, llmspell_subject):
        result = llmspell_subject.agent().execute(PROMPT, GenerationParams(max_tokens=3))
        if result.usage.completion is not None:
            assert result.usage.completion <= 3
            if result.usage.completion == 3:
                assert result.finish_reason == "length"

    def test_a_system_prompt_is_sent_with_the_conversation(self, llmspell_subject):
        # Compared between two system prompts: a chat template may add its own default one.
        params = GenerationParams(max_tokens=4)
        short = llmspell_subject.agent(system_prompt="Be brief.").execute("Hi", params)
        long = llmspell_subject.agent(
            system_prompt="You are a terse assistant who answers every question in as few "
            "words as possible and never writes more than one short sentence."
        ).execute("Hi", params)
        check_result(long, llmspell_subject)
        if _known(long.usage.prompt, short.usage.prompt):
            assert long.usage.prompt > short.usage.prompt

    def test_an_agent_remembers_the_conversation(self, llmspell_subject):
        agent = llmspell_subject.agent()
        first = agent.execute("Hi", GenerationParams(max_tokens=4))
        second = agent.execute("Hi", GenerationParams(max_tokens=4))
        assert [m.role for m in agent.history] == ["user", "assistant"] * 2
        if _known(first.usage.prompt, second.usage.prompt):
            assert second.usage.prompt > first.usage.prompt

    def test_the_model_is_listed_and_described_under_the_backends_name(self, llmspell_subject):
        subject = llmspell_subject
        listing = subject.manager.list_models(backend=subject.backend)
        model = {m.name: m for m in listing}[subject.model]
        assert isinstance(model, LocalModel)
        assert (model.backend, model.id) == (subject.backend, subject.spec)
        assert isinstance(model.size_bytes, int) and model.size_bytes >= 0
        assert model.modified_at is None or isinstance(model.modified_at, float)
        info = subject.manager.info(subject.spec)
        assert isinstance(info, ModelInfo)
        assert (info.backend, info.id) == (subject.backend, subject.spec)
        assert info.context_length is None or info.context_length > 0
        json.dumps(listing.to_dict())
        json.dumps(info.to_dict())

    def test_health_names_the_backend(self, llmspell_subject):
        (status,) = [
            s for s in llmspell_subject.manager.status() if s.backend == llmspell_subject.backend
        ]
        assert isinstance(status, HealthStatus)
        assert status.healthy, status.error
        assert status.model_count >= 1
        json.dumps(status.to_dict())

    def test_a_missing_model_is_model_not_found(self, llmspell_subject):
        missing = f"{llmspell_subject.backend}/no-such-model:1b"
        with pytest.raises(ModelNotFoundError):
            llmspell_subject.manager.agent(missing)
        with pytest.raises(ModelNotFoundError):
            llmspell_subject.manager.info(missing)


__all__ = ["PROMPT", "BackendContract", "Subject", "check_result"]
