"""Failures a user meets with Ollama, each one llmspell error with one clear sentence."""

from __future__ import annotations

import time

import ollama  # noqa: F401 - imported up front: the timings measure the network
import pytest
from llmspell import (
    BackendUnavailableError,
    CompletionRequest,
    GenerationParams,
    InferenceError,
    Manager,
    ModelNotFoundError,
)

from tests.ollama.conftest import MODEL, write_config
from tests.support.ollama_server import MID_STREAM_ERROR


def test_an_agent_on_a_stopped_ollama_says_how_to_start_or_install_it(monkeypatch, closed_endpoint):
    monkeypatch.setenv("OLLAMA_HOST", closed_endpoint)
    manager = Manager()
    assert "ollama" in manager.backends  # plugins loaded before timing
    started = time.monotonic()
    with pytest.raises(BackendUnavailableError) as caught:
        manager.agent(f"ollama/{MODEL}")
    assert time.monotonic() - started < 1.0
    message = str(caught.value)
    assert f"Ollama is not running at {closed_endpoint}" in message
    assert "ollama serve" in message and "llmspell model install-ollama" in message


def test_ollama_stopping_between_calls_is_reported_for_streams_and_completions(
    manager, ollama_server
):
    # Streaming: the client raises httpx.ConnectError lazily, on first iteration.
    # Plain calls: it raises the built-in ConnectionError. Both must read the same.
    provider = manager.backend("ollama").provider(MODEL)
    ollama_server.stop()
    request = CompletionRequest.from_text("hello")
    with pytest.raises(BackendUnavailableError, match="Ollama is not running"):
        list(provider.stream(request))
    with pytest.raises(BackendUnavailableError, match="Ollama is not running"):
        provider.complete(request)


def test_an_unreachable_host_fails_an_agent_in_about_a_second(isolated_home, unresponsive_endpoint):
    write_config(isolated_home, unresponsive_endpoint)
    manager = Manager()
    assert "ollama" in manager.backends
    started = time.monotonic()
    with pytest.raises(BackendUnavailableError, match="did not answer within 1 s"):
        manager.agent(f"ollama/{MODEL}")
    assert time.monotonic() - started < 2.0


def test_a_missing_model_suggests_the_pull_command(manager):
    with pytest.raises(ModelNotFoundError) as caught:
        manager.agent("ollama/llama3.1:8b")
    assert str(caught.value) == (
        "Ollama has no model 'llama3.1:8b'. Pull it with: llmspell model pull ollama/llama3.1:8b"
    )


def test_a_model_removed_behind_our_back_is_model_not_found_when_generating(manager, ollama_server):
    agent = manager.agent(f"ollama/{MODEL}")
    ollama_server.models.clear()
    with pytest.raises(ModelNotFoundError, match=f"llmspell model pull ollama/{MODEL}"):
        agent.complete("hi")
    with pytest.raises(ModelNotFoundError):
        list(agent.stream("hi"))


def test_the_server_dying_mid_stream_is_an_error_not_a_short_answer(manager, ollama_server):
    agent = manager.agent(f"ollama/{MODEL}")
    ollama_server.drop_after = 2
    received = []
    with pytest.raises(InferenceError) as caught:
        for chunk in agent.stream("one two three four five"):
            received.append(chunk)
    assert [c.text for c in received] == ["one", " two"]
    assert not any(c.done for c in received), "no final result for a broken answer"
    message = str(caught.value)
    assert "closed the connection in the middle of the answer" in message
    assert "incomplete" in message
    assert agent.history == [], "a broken answer is not remembered as the reply"


def test_the_server_dying_during_a_completion_is_an_error(manager, ollama_server):
    agent = manager.agent(f"ollama/{MODEL}")
    ollama_server.drop_after = 0
    with pytest.raises(InferenceError, match="closed the connection"):
        agent.complete("one two three")


def test_an_error_line_in_the_stream_is_an_inference_error_with_ollamas_message(
    manager, ollama_server
):
    ollama_server.error_after = 1
    with pytest.raises(InferenceError) as caught:
        list(manager.agent(f"ollama/{MODEL}").stream("one two three"))
    assert MID_STREAM_ERROR in str(caught.value)
    assert "incomplete" in str(caught.value)


def test_a_server_slower_than_timeout_seconds_is_an_inference_error(isolated_home, ollama_server):
    write_config(isolated_home, ollama_server.url, timeout_seconds=0.3)
    agent = Manager().agent(f"ollama/{MODEL}")
    ollama_server.line_delay = 1.0
    with pytest.raises(InferenceError, match=r"did not answer within 0\.3 s"):
        list(agent.stream("one two three", GenerationParams(max_tokens=3)))


def test_something_that_is_not_ollama_at_the_endpoint_is_reported_as_such(
    isolated_home, ollama_server
):
    write_config(isolated_home, ollama_server.url + "/not-ollama")
    status = next(s for s in Manager().status() if s.backend == "ollama")
    assert not status.healthy
    assert "probably not Ollama" in status.error


def test_a_server_error_during_a_completion_is_an_inference_error(manager, ollama_server):
    agent = manager.agent(f"ollama/{MODEL}")
    ollama_server.error_after = 0
    with pytest.raises(InferenceError, match=MID_STREAM_ERROR):
        agent.complete("one two three")
