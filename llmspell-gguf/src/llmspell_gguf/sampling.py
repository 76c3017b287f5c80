"""Sampling parameters with llmspell's defaults, and the llama.cpp sampler chain built from them.

llama-cpp-python's own defaults do not suit a chat tool (chat temperature 0.2, 16 tokens for
a completion), so a parameter left unset (`None`) takes the value below. The chain is
llama.cpp's native one, in llama-cpp-python's order, so a token costs no Python; only the
repeat penalty runs before it, on the few logits it changes (`RepeatPenalty`).
"""

from __future__ import annotations

import ctypes
from collections import deque

import attrs
from llmspell import DEFAULT_PARAMS, GenerationParams

from . import bindings

# llmspell's defaults live in the core (the same for every backend); min_p is llama.cpp's own.
DEFAULT_TEMPERATURE = DEFAULT_PARAMS.temperature
DEFAULT_TOP_P = DEFAULT_PARAMS.top_p
DEFAULT_TOP_K = DEFAULT_PARAMS.top_k
DEFAULT_MIN_P = 0.05
DEFAULT_REPEAT_PENALTY = DEFAULT_PARAMS.repeat_penalty
#: How many recent tokens the repeat penalty looks at.
REPEAT_LAST_N = 64
DEFAULT_MAX_TOKENS = DEFAULT_PARAMS.max_tokens
#: llama.cpp's "pick a random seed".
RANDOM_SEED = 0xFFFFFFFF


@attrs.frozen
class Sampling:
    """Fully resolved parameters of one generation."""

    temperature: float = DEFAULT_TEMPERATURE
    top_p: float = DEFAULT_TOP_P
    top_k: int = DEFAULT_TOP_K
    min_p: float = DEFAULT_MIN_P
    repeat_penalty: float = DEFAULT_REPEAT_PENALTY
    max_tokens: int = DEFAULT_MAX_TOKENS  # 0: until the context is full
    seed: int = RANDOM_SEED
    stop: tuple[str, ...] = ()

    @classmethod
    def from_params(cls, params: GenerationParams) -> Sampling:
        def pick(value, default):
            return default if value is None else value

        return cls(
            temperature=pick(params.temperature, DEFAULT_TEMPERATURE),
            top_p=pick(params.top_p, DEFAULT_TOP_P),
            top_k=pick(params.top_k, DEFAULT_TOP_K),
            repeat_penalty=pick(params.repeat_penalty, DEFAULT_REPEAT_PENALTY),
            max_tokens=pick(params.max_tokens, DEFAULT_MAX_TOKENS),
            seed=RANDOM_SEED if params.seed is None else params.seed & 0xFFFFFFFF,
            stop=tuple(s for s in params.stop if s),
        )


class RepeatPenalty:
    """llama.cpp's repeat penalty (its `penalties` sampler with no frequency or presence
    term), applied to a sequence's logits in place before the sampler chain runs.

    llama.cpp's sampler looks every token of the vocabulary up in a hash map at every step:
    0.15–0.2 ms a token with SmolLM2's 49,152, more than greedy sampling itself. Only the
    tokens among the last `REPEAT_LAST_N` sampled ones change, so only they are touched.
    The arithmetic is llama.cpp's in float32 (a product of two floats is exact as a double,
    and a quotient rounded to double and then to float is still correctly rounded), so the
    replies are the same bit for bit.
    """

    def __init__(self, penalty: float) -> None:
        self.penalty = ctypes.c_float(penalty).value
        self.recent: deque[int] = deque(maxlen=REPEAT_LAST_N)

    def apply(self, logits) -> None:
        """Penalise the recent tokens in `logits` (a `float *` over the vocabulary)."""
        penalty = self.penalty
        for token in set(self.recent):
            logit = logits[token]
            logits[token] = logit * penalty if logit <= 0 else logit / penalty

    def accept(self, token: int) -> None:
        self.recent.append(token)


def repeat_penalty(sampling: Sampling) -> RepeatPenalty | None:
    """The sequence's penalty, or None when it changes nothing (`repeat_penalty` 1)."""
    return RepeatPenalty(sampling.repeat_penalty) if sampling.repeat_penalty != 1.0 else None


def build_chain(sampling: Sampling):
    """A new llama.cpp sampler chain, the repeat penalty excepted (see `RepeatPenalty`); the
    caller frees it with `llama_sampler_free`."""
    llama_cpp = bindings.load()

    chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
    add = lambda sampler: llama_cpp.llama_sampler_chain_add(chain, sampler)  # noqa: E731
    if sampling.temperature == 0:
        add(llama_cpp.llama_sampler_init_greedy())
        return chain
    if sampling.top_k > 0:
        add(llama_cpp.llama_sampler_init_top_k(sampling.top_k))
    if sampling.top_p < 1.0:
        add(llama_cpp.llama_sampler_init_top_p(sampling.top_p, 1))
    if sampling.min_p > 0.0:
        add(llama_cpp.llama_sampler_init_min_p(sampling.min_p, 1))
    add(llama_cpp.llama_sampler_init_temp(sampling.temperature))
    add(llama_cpp.llama_sampler_init_dist(sampling.seed))
    return chain
