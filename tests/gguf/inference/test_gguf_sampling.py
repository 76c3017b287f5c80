"""Sampling: llama.cpp's own samplers, with the repeat penalty applied in place beforehand.

The penalty is llmspell's only sampling arithmetic outside llama.cpp (llama.cpp's sampler
looks up every token of the vocabulary at every step), so it is held to llama.cpp's
`penalties` sampler bit for bit, on real logits.
"""

from __future__ import annotations

import ctypes

import pytest
from llmspell import CompletionRequest, GenerationParams, Message
from llmspell_gguf import bindings
from llmspell_gguf.sampling import REPEAT_LAST_N, RepeatPenalty, Sampling, repeat_penalty


def real_logits(provider, loaded) -> ctypes.Array:
    """A copy of the logits SmolLM2 gives for the next token of a short chat."""
    llama_cpp = bindings.load()
    request = CompletionRequest(
        [Message("user", "Tell me about cats.")], GenerationParams(max_tokens=1, temperature=0)
    )
    provider.complete(request)
    copy = (ctypes.c_float * loaded.n_vocab)()
    ctypes.memmove(copy, llama_cpp.llama_get_logits_ith(loaded.ctx, -1), ctypes.sizeof(copy))
    return copy


def llama_cpp_penalties(logits, history: list[int], penalty: float) -> list[float]:
    """What llama.cpp's penalties sampler makes of `logits` after `history` was sampled."""
    llama_cpp = bindings.load()
    n = len(logits)
    data = (llama_cpp.llama_token_data * n)()
    for i in range(n):
        data[i].id, data[i].logit, data[i].p = i, logits[i], 0.0
    array = llama_cpp.llama_token_data_array(data, n, -1, False)
    sampler = llama_cpp.llama_sampler_init_penalties(n, REPEAT_LAST_N, penalty, 0.0, 0.0)
    try:
        for token in history:
            llama_cpp.llama_sampler_accept(sampler, token)
        llama_cpp.llama_sampler_apply(sampler, ctypes.byref(array))
    finally:
        llama_cpp.llama_sampler_free(sampler)
    return [data[i].logit for i in range(n)]


@pytest.mark.parametrize("penalty", [1.1, 1.5, 0.7])
def test_the_repeat_penalty_changes_the_logits_exactly_as_llama_cpps_sampler(
    smollm2, smollm2_loaded, penalty
):
    logits = real_logits(smollm2, smollm2_loaded)
    ranked = sorted(range(len(logits)), key=logits.__getitem__)
    # Recent tokens with negative and positive logits, some repeated, more than the window.
    history = ranked[:40] + ranked[-40:] + ranked[-5:] + ranked[:3]
    expected = llama_cpp_penalties(logits, history, penalty)
    ours = RepeatPenalty(penalty)
    for token in history:
        ours.accept(token)
    ours.apply(logits)
    assert list(logits) == expected
    untouched = real_logits(smollm2, smollm2_loaded)
    changed = sum(a != b for a, b in zip(logits, untouched, strict=True))
    assert changed == len(set(history[-REPEAT_LAST_N:]))  # only the window's tokens


def test_a_penalty_of_one_is_no_penalty():
    assert repeat_penalty(Sampling(repeat_penalty=1.0)) is None
    assert repeat_penalty(Sampling(repeat_penalty=1.1)) is not None
