"""One parameter contract: llmspell's defaults and one validation, the same for every backend."""

from __future__ import annotations

import math
from typing import ClassVar

import llmspell
import pytest
from llmspell import DEFAULT_PARAMS, BadInputError, GenerationParams, Manager
from llmspell.config import parse_config
from llmspell.plugins import plugin_manager

from tests.cli.helpers import llmspell as run_llmspell

BAD = [
    ({"temperature": math.nan}, "temperature must be a finite number, 0 or more, got nan."),
    ({"temperature": math.inf}, "temperature must be a finite number, 0 or more, got inf."),
    ({"temperature": -0.1}, "temperature must be a finite number, 0 or more, got -0.1."),
    ({"top_p": 1.5}, "top_p must be between 0 and 1, got 1.5."),
    ({"top_p": math.nan}, "top_p must be between 0 and 1, got nan."),
    ({"top_k": -1}, "top_k must be a whole number, 0 or more, got -1."),
    ({"top_k": 2.5}, "top_k must be a whole number, 0 or more, got 2.5."),
    ({"repeat_penalty": 0}, "repeat_penalty must be above 0 (1.0 turns the penalty off), got 0."),
    ({"max_tokens": 0}, "max_tokens must be a whole number, 1 or more, got 0."),
    ({"max_tokens": math.inf}, "max_tokens must be a whole number, 1 or more, got inf."),
    ({"max_tokens": "many"}, "max_tokens must be a whole number, 1 or more, got 'many'."),
    ({"seed": True}, "seed must be a whole number, got true."),
    ({"stop": [1]}, "stop must be a string or a list of strings, got a list."),
]


@pytest.mark.parametrize(("given", "sentence"), BAD)
def test_bad_values_are_refused_with_one_sentence_naming_the_field(given, sentence):
    with pytest.raises(BadInputError) as caught:
        GenerationParams(**given)
    assert str(caught.value) == sentence and caught.value.exit_code == 2


def test_whole_floats_count_as_integers_and_one_stop_string_as_a_list():
    params = GenerationParams(max_tokens=8.0, top_k=40.0, seed=-3, stop="\n")
    assert (params.max_tokens, params.top_k, params.seed, params.stop) == (8, 40, -3, ("\n",))


class Recorder(llmspell.Backend):
    """Records the parameters its generator is asked with; may leave defaults to a server."""

    type_name = "recorder"
    seen: ClassVar[list[GenerationParams]] = []

    def health(self):
        return llmspell.HealthStatus(self.name, True, model_count=1)

    def list_models(self):
        return [llmspell.LocalModel("m", self.name)]

    def generator(self, model):
        backend = self

        class Generator(llmspell.StreamingGenerator):
            model, context_length = "m", None

            def stream(self, request):
                Recorder.seen.append(request.params)
                result = llmspell.CompletionResult("ok", "m", backend.name)
                yield llmspell.StreamChunk("", done=True, result=result)

        return Generator()


class ServerDecides(Recorder):
    type_name, server_defaults = "serverdecides", True


class Plugin:
    @llmspell.hookimpl
    def llmspell_register_backends(self, register):
        register(Recorder)
        register(ServerDecides)


@pytest.fixture
def manager():
    pm, _ = plugin_manager()
    plugin = Plugin()
    pm.register(plugin, name="test-recorder")
    Recorder.seen.clear()
    tables = {"gguf": {"enabled": False}, "ollama": {"enabled": False}}
    yield Manager(parse_config({"providers": tables}))
    pm.unregister(plugin)


def test_llmspell_defaults_fill_what_nobody_chose(manager):
    agent = manager.agent("m@recorder", params=GenerationParams(temperature=0.2))
    agent.execute("hi", GenerationParams(max_tokens=5))
    (seen,) = Recorder.seen
    assert seen == GenerationParams(
        temperature=0.2,
        top_p=DEFAULT_PARAMS.top_p,
        top_k=DEFAULT_PARAMS.top_k,
        repeat_penalty=DEFAULT_PARAMS.repeat_penalty,
        max_tokens=5,
    )


def test_a_backend_may_leave_unset_parameters_to_its_server(manager):
    manager.agent("m@serverdecides").execute("hi", GenerationParams(max_tokens=5))
    assert Recorder.seen == [GenerationParams(max_tokens=5)]


def test_a_generator_may_not_know_its_context_length(manager):
    agent = manager.agent("m@recorder")
    for _ in range(3):
        agent.execute("word " * 500)
    assert len(agent.history) == 6  # nothing to trim against: the conversation is kept


def test_the_cli_refuses_nan_with_the_same_sentence():
    result = run_llmspell("chat", "echo@echo", "--temperature", "nan", input="hi\n")
    assert result.returncode == 2
    assert "temperature must be a finite number, 0 or more, got nan." in result.stderr
