"""Completion through the GGUF provider: results, token counts and sampling parameters."""

from __future__ import annotations

import pytest
from llmspell import BadInputError, CompletionRequest, GenerationParams, Message
from llmspell_gguf import prompt
from llmspell_gguf.sampling import DEFAULT_MAX_TOKENS, Sampling


def ask(text: str, **params) -> CompletionRequest:
    return CompletionRequest.from_text(text, params=GenerationParams(**params))


def test_a_completion_says_what_it_is(smollm2):
    result = smollm2.complete(ask("What is the capital of France?", max_tokens=24))
    assert result.text.strip()
    assert result.model == "smollm2:135m"
    assert result.provider == "gguf"
    assert result.finish_reason in ("stop", "length")
    assert result.latency_ms > 0


def test_prompt_token_count_is_the_templated_prompt(smollm2, smollm2_loaded):
    request = ask("Name a colour.", max_tokens=4, temperature=0)
    expected = len(prompt.tokenize(smollm2_loaded, request.messages))
    result = smollm2.complete(request)
    assert result.usage.prompt == expected
    assert result.usage.total == expected + result.usage.completion


def test_max_tokens_is_honoured_exactly(smollm2):
    for n in (1, 7, 19):
        result = smollm2.complete(ask("Write a long story about a dragon.", max_tokens=n))
        assert result.finish_reason == "length"
        assert result.usage.completion == n


def test_end_of_turn_finishes_with_stop_before_max_tokens(smollm2):
    result = smollm2.complete(ask("Say hello.", max_tokens=32, temperature=0))
    assert result.finish_reason == "stop"
    assert 0 < result.usage.completion < 32
    assert "<|im_end|>" not in result.text


def test_temperature_zero_gives_the_same_text_twice(smollm2):
    request = ask("Give me three words about the sea.", max_tokens=12, temperature=0, seed=7)
    assert smollm2.complete(request).text == smollm2.complete(request).text


def test_a_seed_makes_sampling_repeatable(smollm2):
    def sample(seed: int) -> str:
        return smollm2.complete(
            ask("Invent a name.", max_tokens=8, temperature=1.0, seed=seed)
        ).text

    assert sample(11) == sample(11)
    assert len({sample(seed) for seed in (1, 2, 3)}) > 1


def test_a_stop_string_ends_the_reply_before_it(smollm2):
    request = ask("Count from one to twenty in words, separated by commas.", temperature=0)
    full = smollm2.complete(
        CompletionRequest(request.messages, GenerationParams(temperature=0, max_tokens=24))
    ).text
    stop = full[len(full) // 2 : len(full) // 2 + 3]  # from the middle of the reply
    stopped = smollm2.complete(
        CompletionRequest(
            request.messages, GenerationParams(temperature=0, max_tokens=24, stop=stop)
        )
    )
    assert stopped.finish_reason == "stop"
    assert stopped.text == full[: full.index(stop)]
    assert stop not in stopped.text


def test_a_stop_string_spanning_two_tokens_is_found(smollm2):
    messages = (Message("user", "Describe a sunny day at the beach."),)
    pieces = [
        c.text
        for c in smollm2.stream(
            CompletionRequest(messages, GenerationParams(temperature=0, max_tokens=24))
        )
        if not c.done
    ]
    full = "".join(pieces)
    i = next(
        i for i in range(3, len(pieces) - 1) if len(pieces[i]) >= 2 and len(pieces[i + 1]) >= 2
    )
    stop = pieces[i][-2:] + pieces[i + 1][:2]  # ends one token, begins the next
    chunks = list(
        smollm2.stream(
            CompletionRequest(messages, GenerationParams(temperature=0, max_tokens=24, stop=[stop]))
        )
    )
    result = chunks[-1].result
    assert result.text == full[: full.index(stop)]
    assert "".join(c.text for c in chunks[:-1]) == result.text  # nothing of the stop leaked
    assert result.finish_reason == "stop"


def test_a_zero_repeat_penalty_is_bad_input(smollm2):
    with pytest.raises(BadInputError, match="repeat_penalty must be above 0"):
        smollm2.complete(ask("Hi", repeat_penalty=0.0, max_tokens=2))


def test_unset_parameters_take_llmspell_defaults_not_llama_cpps():
    sampling = Sampling.from_params(GenerationParams())
    assert sampling.temperature == 0.7
    assert sampling.max_tokens == DEFAULT_MAX_TOKENS == 512
    assert (sampling.top_p, sampling.top_k, sampling.min_p) == (0.95, 40, 0.05)
    assert sampling.repeat_penalty == 1.1
    assert Sampling.from_params(GenerationParams(temperature=0.0, max_tokens=3)).temperature == 0.0


def test_greedy_text_is_what_raw_llama_cpp_python_generates(smollm2, smollm2_loaded):
    """Same file, options and prompt tokens: the token loop changes nothing in the text,
    accented characters split across tokens included."""
    from llama_cpp import Llama

    options = smollm2.options
    raw = Llama(
        model_path=str(smollm2.path),
        n_ctx=smollm2.context_length,
        n_batch=options.n_batch,
        n_ubatch=options.n_batch,
        n_threads=options.n_threads,
        n_threads_batch=options.n_threads,
        flash_attn=options.flash_attn,
        verbose=False,
    )
    try:
        request = ask(
            "Translate into French: the coffee at the café is très bon, naïve.",
            max_tokens=24,
            temperature=0,
            repeat_penalty=1.0,
        )
        tokens = prompt.tokenize(smollm2_loaded, request.messages)
        expected = raw.create_completion(tokens, max_tokens=24, temperature=0.0, repeat_penalty=1.0)
        ours = smollm2.complete(request)
        assert ours.text == expected["choices"][0]["text"]
        assert any(ord(c) > 127 for c in ours.text)
        assert ours.usage.completion == expected["usage"]["completion_tokens"]
    finally:
        raw.close()
