"""Prompts: the GGUF's own chat template, or completion mode for a model without one."""

from __future__ import annotations

from llmspell import CompletionRequest, GenerationParams, Message
from llmspell_gguf import loader, prompt


def test_a_chat_model_uses_the_template_in_its_gguf(smollm2, load_options):
    model = loader.acquire(smollm2.path, load_options)
    assert smollm2.chat_template
    text, _ = prompt.render(model, [Message("system", "Be brief."), Message("user", "Hi")])
    assert text == (
        "<|im_start|>system\nBe brief.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    tokens = prompt.tokenize(model, [Message("user", "Hi")])
    im_start = prompt._tokenize(model, b"<|im_start|>", False, True)
    assert tokens[: len(im_start)] == im_start  # parsed as the control token, not as text


def test_a_model_without_a_template_runs_in_completion_mode(gemma3, load_options):
    import llama_cpp

    assert not gemma3.chat_template
    model = loader.acquire(gemma3.path, load_options)
    text, _ = prompt.render(model, [Message("system", "Facts."), Message("user", "Paris is")])
    assert text == "Facts.\n\nParis is"
    tokens = prompt.tokenize(model, [Message("user", "Paris is")])
    assert tokens[0] == llama_cpp.llama_vocab_bos(model.vocab)  # Gemma wants its BOS

    result = gemma3.complete(
        CompletionRequest.from_text(
            "Paris is the capital of", params=GenerationParams(temperature=0, max_tokens=8)
        )
    )
    assert result.text.startswith(" France")
    assert result.usage.completion == 8
    assert result.finish_reason == "length"


def cached(model) -> list[int]:
    """The tokens held in the KV cache by the model's most recent sequence."""
    return max(model.batcher.slots, key=lambda s: s.used).tokens


def test_a_conversation_reuses_the_context_it_already_holds(smollm2, smollm2_loaded):
    import llama_cpp

    params = GenerationParams(temperature=0, max_tokens=8)
    first = [Message("user", "My name is Ada.")]
    reply = smollm2.complete(CompletionRequest(first, params))
    held = list(cached(smollm2_loaded))
    follow_up = [*first, Message("assistant", reply.text), Message("user", "What is my name?")]
    tokens = prompt.tokenize(smollm2_loaded, follow_up)
    shared = 0
    while shared < min(len(held), len(tokens)) and held[shared] == tokens[shared]:
        shared += 1
    assert shared >= len(prompt.tokenize(smollm2_loaded, first))

    llama_cpp.llama_perf_context_reset(smollm2_loaded.ctx)
    result = smollm2.complete(CompletionRequest(follow_up, params))
    evaluated = llama_cpp.llama_perf_context(smollm2_loaded.ctx).n_p_eval
    assert evaluated == len(tokens) - shared  # only the new turn was evaluated
    assert result.usage.prompt == len(tokens)
    assert cached(smollm2_loaded)[: len(tokens)] == tokens
