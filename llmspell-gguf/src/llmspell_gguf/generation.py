"""The token loop: llama.cpp decodes and samples, Python only turns each token into text.

llama-cpp-python's `create_completion(stream=True)` detokenizes the whole completion again
at every token, so its Python cost per token grows with the reply. This loop calls
`llama_decode` and the native sampler chain directly and decodes each token's bytes once,
through an incremental UTF-8 decoder (a character split across tokens waits for its last
byte) and a stop-string scanner that holds back only what could start a stop string. The
cost per token is constant, and the prompt reuses whatever prefix the context already holds
(a chat's earlier turns are not evaluated again).
"""

from __future__ import annotations

import codecs
import ctypes
from collections.abc import Iterator

import attrs
from llmspell import InferenceError

from .loader import LoadedModel
from .sampling import Sampling, build_chain
from .stop_scanner import StopScanner


@attrs.define
class Outcome:
    """Filled in as generation runs; complete once the iterator is exhausted."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "length"


def generate(
    model: LoadedModel, ticket: int, prompt: list[int], sampling: Sampling, outcome: Outcome
) -> Iterator[str]:
    """Yield the reply's text piece by piece; the caller holds `model` with `ticket`."""
    import llama_cpp

    n_prompt = len(prompt)
    outcome.prompt_tokens = n_prompt
    if n_prompt >= model.n_ctx:  # a runtime failure, as docs/python-api.md says (exit 1)
        raise InferenceError(
            f"The prompt is {n_prompt} tokens but the model's context holds {model.n_ctx}. "
            "Shorten the conversation (agent.reset()) or raise context_size in "
            "[providers.gguf.options]."
        )
    room = model.n_ctx - n_prompt
    limit = sampling.max_tokens if 0 < sampling.max_tokens <= room else room

    _evaluate_prompt(model, prompt)

    # Everything the loop touches is a local: one ctypes call per step, no attribute lookups.
    decode = llama_cpp.llama_decode
    sample = llama_cpp.llama_sampler_sample
    is_eog = llama_cpp.llama_vocab_is_eog
    to_piece = llama_cpp.llama_token_to_piece
    string_at = ctypes.string_at
    ctx, vocab = model.ctx, model.vocab
    size = 64
    buffer = ctypes.create_string_buffer(size)
    current = (llama_cpp.llama_token * 1)()
    batch = llama_cpp.llama_batch_get_one(current, 1)
    utf8 = codecs.getincrementaldecoder("utf-8")("replace").decode
    scanner = StopScanner(sampling.stop) if sampling.stop else None
    remember = model.kv_tokens.append
    chain = build_chain(sampling, model.n_vocab)
    count = 0
    try:
        while True:
            token = sample(chain, ctx, -1)
            if is_eog(vocab, token):
                outcome.finish_reason = "stop"
                break
            count += 1
            outcome.completion_tokens = count
            n = to_piece(vocab, token, buffer, size, 0, False)
            if n < 0:  # a piece longer than the buffer (rare): grow it once
                size = -n
                buffer = ctypes.create_string_buffer(size)
                n = to_piece(vocab, token, buffer, size, 0, False)
            text = utf8(string_at(buffer, n)) if n > 0 else ""
            if scanner is not None:
                text = scanner.feed(text)
                if text:
                    yield text
                    if model.ticket != ticket:
                        model.check(ticket)
                if scanner.stopped:
                    outcome.finish_reason = "stop"
                    break
            elif text:
                yield text
                if model.ticket != ticket:
                    model.check(ticket)
            if count >= limit:
                outcome.finish_reason = "length"
                break
            current[0] = token
            status = decode(ctx, batch)
            if status != 0:
                _decode_failed(model, status)
            remember(token)
    finally:
        llama_cpp.llama_sampler_free(chain)
    if scanner is not None and not scanner.stopped:
        held = scanner.flush()
        if held:
            yield held


def _evaluate_prompt(model: LoadedModel, prompt: list[int]) -> None:
    """Decode the prompt, reusing the longest prefix the context already holds."""
    import llama_cpp

    cached = model.kv_tokens
    reuse = 0
    for a, b in zip(cached, prompt, strict=False):
        if a != b:
            break
        reuse += 1
    if reuse == len(prompt):
        reuse -= 1  # the last prompt token is decoded again: sampling needs its logits
    memory = llama_cpp.llama_get_memory(model.ctx)
    if reuse < len(cached) and not llama_cpp.llama_memory_seq_rm(memory, -1, reuse, -1):
        llama_cpp.llama_memory_clear(memory, True)  # this cache cannot drop a suffix
        reuse = 0
    del cached[reuse:]
    step = model.n_batch
    for start in range(reuse, len(prompt), step):
        chunk = prompt[start : start + step]
        tokens = (llama_cpp.llama_token * len(chunk))(*chunk)
        status = llama_cpp.llama_decode(
            model.ctx, llama_cpp.llama_batch_get_one(tokens, len(chunk))
        )
        if status != 0:
            _decode_failed(model, status)
        cached.extend(chunk)


def _decode_failed(model: LoadedModel, status: int) -> None:
    """Forget the context's contents (their state is unknown now) and say what went wrong."""
    import llama_cpp

    llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(model.ctx), True)
    model.kv_tokens.clear()
    if status == 1:
        raise InferenceError(
            "The model's context is full. Shorten the conversation or raise context_size "
            "in [providers.gguf.options]."
        )
    raise InferenceError(
        f"llama.cpp failed to evaluate tokens (llama_decode returned {status}). "
        "Try again; if it persists, unload the model and lower batch_size."
    )
