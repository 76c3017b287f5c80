"""Streaming: text arrives token by token, then one final chunk carries the whole result."""

from __future__ import annotations

from llmspell import CompletionRequest, GenerationParams


def ask(text: str, **params) -> CompletionRequest:
    return CompletionRequest.from_text(text, params=GenerationParams(**params))


def cached(model) -> list[int]:
    """The tokens held in the KV cache by the model's most recent sequence."""
    return max(model.batcher.slots, key=lambda s: s.used).tokens


def test_chunks_join_into_the_final_result(smollm2):
    chunks = list(smollm2.stream(ask("Tell me about cats.", max_tokens=16, temperature=0)))
    *texts, last = chunks
    assert last.done and last.result is not None
    assert not any(c.done for c in texts)
    assert len(texts) > 1
    assert "".join(c.text for c in texts) == last.result.text
    assert last.result.usage.completion == 16


def test_the_first_chunk_comes_before_the_second_token_is_computed(smollm2, smollm2_loaded):
    stream = smollm2.stream(ask("Tell me about dogs.", max_tokens=16, temperature=0))
    first = next(stream)
    assert first.text and not first.done
    # The context holds the prompt only: the next token has not been evaluated yet.
    held_after_first = len(cached(smollm2_loaded))
    rest = list(stream)
    assert rest[-1].done
    prompt = rest[-1].result.usage.prompt
    assert held_after_first == prompt
    assert len(cached(smollm2_loaded)) == prompt + 15  # the 16th token is never decoded


def test_streaming_and_completion_agree(smollm2):
    request = ask("Name two planets.", max_tokens=12, temperature=0)
    streamed = list(smollm2.stream(request))[-1].result
    completed = smollm2.complete(request)
    assert streamed.text == completed.text
    assert streamed.usage == completed.usage
    assert streamed.finish_reason == completed.finish_reason


def test_an_abandoned_stream_frees_the_model_for_the_next_request(smollm2):
    stream = smollm2.stream(ask("Write a poem about rain.", max_tokens=32))
    next(stream)
    stream.close()
    assert smollm2.complete(ask("Say hi.", max_tokens=3)).usage.completion <= 3
