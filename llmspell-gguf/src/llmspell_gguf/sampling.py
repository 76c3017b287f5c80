"""Sampling parameters with llmspell's defaults, and the llama.cpp sampler chain built from them.

llama-cpp-python's own defaults do not suit a chat tool (chat temperature 0.2, 16 tokens for
a completion), so a parameter left unset (`None`) takes the value below. The chain is
llama.cpp's native one, in llama-cpp-python's order, so a token costs no Python.
"""

from __future__ import annotations

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


def build_chain(sampling: Sampling, n_vocab: int):
    """A new llama.cpp sampler chain; the caller frees it with `llama_sampler_free`."""
    llama_cpp = bindings.load()

    chain = llama_cpp.llama_sampler_chain_init(llama_cpp.llama_sampler_chain_default_params())
    add = lambda sampler: llama_cpp.llama_sampler_chain_add(chain, sampler)  # noqa: E731
    if sampling.repeat_penalty != 1.0:
        add(
            llama_cpp.llama_sampler_init_penalties(
                n_vocab, REPEAT_LAST_N, sampling.repeat_penalty, 0.0, 0.0
            )
        )
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
