"""Continuous batching: concurrent generations on one model share every decode step.

Greedy decoding makes each reply a function of its prompt, so a reply generated in a batch
must equal the same request run alone; the batcher's own counters show that the sequences
really were decoded together, and llama.cpp's KV cache shows what each holds.

Bit for bit, that holds while llama.cpp computes each row of a step as it would alone:
its CPU kernels change their rounding with the shape of a step (64 or more query tokens,
one query over 512 or more cells, four or more output rows on some weight types) and with
where a sequence's cells lie in the cache. So the requests here are few and short (a brief
system prompt instead of SmolLM2's long default) and each comparison starts from an empty
cache (`alone` below). Beyond that a near-tie in greedy decoding may flip,
as with llama.cpp's own server (docs/gguf.md).
"""

from __future__ import annotations

import threading

import attrs
import pytest
from llmspell import CompletionRequest, GenerationParams, Message
from llmspell_gguf import loader
from llmspell_gguf.batching import SupersededError
from llmspell_gguf.provider import GgufProvider

PROMPTS = ["Name a fruit.", "Name a colour.", "Count to five.", "Say hello in French."]


def ask(text: str, n: int = 12, **params) -> CompletionRequest:
    return CompletionRequest(
        [Message("system", "Be brief."), Message("user", text)],
        GenerationParams(max_tokens=n, temperature=0, **params),
    )


def alone(provider: GgufProvider, requests: list[CompletionRequest]):
    """Each request by itself, from an empty cache."""
    batcher = loader.acquire(provider.path, provider.options).batcher
    results = []
    for request in requests:
        batcher.clear_cache()
        results.append(provider.complete(request))
    batcher.clear_cache()
    return results


def in_threads(provider: GgufProvider, requests: list[CompletionRequest]):
    """Stream every request in its own thread, all released at once; results in order."""
    results, errors = [None] * len(requests), []
    gate = threading.Barrier(len(requests))

    def work(i: int) -> None:
        gate.wait()
        try:
            results[i] = list(provider.stream(requests[i]))[-1].result
        except Exception as exc:  # asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a generation hung"
    assert not errors, errors
    return results


@pytest.fixture(scope="module")
def pair(smollm2_path, load_options) -> GgufProvider:
    """SmolLM2 loaded with room for two sequences at a time."""
    return GgufProvider("smollm2", smollm2_path, attrs.evolve(load_options, parallel=2))


def cells(model, slot) -> int:
    """How many positions llama.cpp's KV cache holds for the slot's sequence."""
    import llama_cpp

    memory = llama_cpp.llama_get_memory(model.ctx)
    return llama_cpp.llama_memory_seq_pos_max(memory, slot.seq_id) + 1


def test_concurrent_streams_give_the_text_each_gives_alone_and_share_steps(smollm2):
    requests = [ask(p) for p in PROMPTS[:3]]
    expected = alone(smollm2, requests)
    batcher = loader.acquire(smollm2.path, smollm2.options).batcher
    batcher.most_together = 0
    together = in_threads(smollm2, requests)
    assert [r.text for r in together] == [r.text for r in expected]
    assert [r.usage for r in together] == [r.usage for r in expected]
    assert batcher.most_together >= 2  # at least one llama_decode served several sequences


def test_a_sequence_joins_mid_flight_and_leaves_before_the_one_already_running(smollm2):
    long, short = ask("Write a poem about the sea.", 40), ask("Say hi.", 4)
    expected_long, expected_short = alone(smollm2, [long, short])
    first = smollm2.stream(long)
    head = [next(first).text for _ in range(5)]  # running: five tokens out
    second = list(smollm2.stream(short))  # joins, finishes, leaves
    rest = list(first)
    assert second[-1].result.text == expected_short.text
    assert "".join(head) + "".join(c.text for c in rest[:-1]) == expected_long.text
    assert rest[-1].result.usage == expected_long.usage


def test_stop_strings_end_each_sequence_on_its_own(smollm2):
    requests = [ask("Count from one to ten.", 24, stop=("3",)), ask("Write a poem.", 16)]
    expected = alone(smollm2, requests)
    assert [r.finish_reason for r in expected] == ["stop", "length"]
    together = in_threads(smollm2, requests)
    assert "3" not in together[0].text
    assert [(r.text, r.finish_reason) for r in together] == [
        (r.text, r.finish_reason) for r in expected
    ]


def test_no_more_sequences_than_parallel_run_at_once_and_the_rest_wait(pair):
    first = [ask("Write a poem about the sea.", 24), ask("Write a story about a cat.", 24)]
    late = [ask(p, 8) for p in PROMPTS[2:]]
    expected = alone(pair, first + late)
    batcher = loader.acquire(pair.path, pair.options).batcher
    batcher.most_together = 0
    running = [pair.stream(r) for r in first]
    heads = [next(s).text for s in running]  # both admitted: the two places are taken
    started, results = threading.Event(), [None, None]

    def wait_then_read(i: int) -> None:
        chunks = pair.stream(late[i])
        head = next(chunks)
        started.set()
        results[i] = [head, *chunks][-1].result

    waiting = [threading.Thread(target=wait_then_read, args=(i,)) for i in range(2)]
    for t in waiting:
        t.start()
    tails = [[next(s).text for _ in range(8)] for s in running]
    assert not started.is_set(), "a third sequence ran while two held the places"
    assert batcher.most_together == 2
    for head, tail, stream, reply in zip(heads, tails, running, expected[:2], strict=True):
        rest = list(stream)
        assert head + "".join(tail) + "".join(c.text for c in rest[:-1]) == reply.text
    for t in waiting:
        t.join(timeout=300)
    # The late two share steps with each other in whatever order their threads arrive, so
    # their greedy text may differ from a lone run at a near-tie (see the module docstring).
    for got, want in zip(results, expected[2:], strict=True):
        assert got is not None and got.text.strip()
        assert got.usage.prompt == want.usage.prompt
        assert got.usage.completion == 8 or got.finish_reason == "stop"


def test_kv_cells_follow_the_sequences_and_a_lone_newcomer_frees_idle_ones(pair):
    model = loader.acquire(pair.path, pair.options)
    in_threads(pair, [ask("Name a fruit.", 8), ask("Name a colour.", 8)])
    idle = [s for s in model.batcher.slots if s.tokens]
    assert len(idle) == 2 and all(s.sequence is None for s in idle)
    assert all(cells(model, s) == len(s.tokens) for s in model.batcher.slots)
    # Alone, a request keeps only its own cells: it attends over nothing else.
    pair.complete(ask("Tell me a story.", 8))
    holders = [s for s in model.batcher.slots if cells(model, s) > 0]
    assert len(holders) == 1 and cells(model, holders[0]) == len(holders[0].tokens)


def test_a_stream_closed_early_gives_its_place_to_the_next(pair):
    streams = [pair.stream(ask("Write a long story.", 64)) for _ in range(2)]
    for stream in streams:
        next(stream)
    streams[0].close()
    reply = pair.complete(ask("Say hi.", 3))  # third request: the closed one's place
    assert reply.usage.completion <= 3
    assert list(streams[1])[-1].result.usage.completion == 64


def test_one_thread_may_interleave_streams_of_one_model(smollm2):
    requests = [ask(p, 10) for p in PROMPTS[:3]]
    expected = [r.text for r in alone(smollm2, requests)]
    streams = [smollm2.stream(r) for r in requests]
    texts = ["", "", ""]
    live = set(range(3))
    while live:  # round robin, one chunk each, as Lua coroutines would
        for i in sorted(live):
            chunk = next(streams[i])
            if chunk.done:
                live.discard(i)
            else:
                texts[i] += chunk.text
    assert texts == expected


def test_with_one_place_a_thread_new_request_takes_over_its_unfinished_stream(
    smollm2_path, load_options
):
    single = GgufProvider("smollm2", smollm2_path, attrs.evolve(load_options, parallel=1))
    abandoned = single.stream(ask("Tell me a story.", 8))
    next(abandoned)  # left open, as a loop that breaks early and keeps the iterator does
    reply = single.complete(ask("Say hi.", 3))  # no deadlock on the thread's own stream
    assert reply.usage.completion <= 3
    with pytest.raises(SupersededError, match="interrupted"):
        list(abandoned)
    assert single.complete(ask("Say hi.", 3)).text == reply.text
