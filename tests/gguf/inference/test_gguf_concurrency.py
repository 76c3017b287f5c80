"""`max_concurrent`: parallel generations beyond the bound wait their turn, none fails."""

from __future__ import annotations

import itertools
import threading
import time

from llmspell import CompletionRequest, GenerationParams
from llmspell_gguf.concurrency import GenerationSlots
from llmspell_gguf.provider import GgufProvider


def ask(text: str, n: int = 6) -> CompletionRequest:
    return CompletionRequest.from_text(text, params=GenerationParams(max_tokens=n, temperature=0))


def run_in_threads(jobs):
    """Run each job in its own thread; returns (results, [(start, end)], errors)."""
    results, spans, errors = [None] * len(jobs), [None] * len(jobs), []
    gate = threading.Barrier(len(jobs))

    def work(i, job):
        gate.wait()
        try:
            chunks = []
            for chunk in job():
                chunks.append((time.perf_counter(), chunk))
            results[i] = chunks[-1][1].result
            spans[i] = (chunks[0][0], chunks[-1][0])
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a generation hung"
    return results, spans, errors


def test_two_threads_with_max_concurrent_one_both_complete_one_after_the_other(
    smollm2_path, gemma3_path, load_options
):
    slots = GenerationSlots(1)
    small = GgufProvider("smollm2", smollm2_path, load_options, slots)
    gemma = GgufProvider("gemma3", gemma3_path, load_options, slots)
    results, spans, errors = run_in_threads(
        [lambda: small.stream(ask("Say hello.")), lambda: gemma.stream(ask("Hello,"))]
    )
    assert not errors
    assert all(r.usage.completion > 0 for r in results)
    (_, first_end), (second_start, _) = sorted(spans)
    assert first_end <= second_start  # the second started streaming after the first finished


def test_max_concurrent_one_makes_generations_on_one_model_take_turns(smollm2_path, load_options):
    slots = GenerationSlots(1)
    first = GgufProvider("smollm2", smollm2_path, load_options, slots)
    second = GgufProvider("smollm2", smollm2_path, load_options, slots)
    requests = [ask("Name a fruit."), ask("Name a colour."), ask("Name a fruit.")]
    providers = [first, second, first]
    results, spans, errors = run_in_threads(
        [lambda p=p, r=r: p.stream(r) for p, r in zip(providers, requests, strict=True)]
    )
    assert not errors
    ordered = sorted(spans)
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(ordered))
    assert results[0].text == results[2].text  # the context was not mixed up


def test_one_thread_may_interleave_streams_of_two_models(smollm2, gemma3):
    slots = GenerationSlots(1)
    small = GgufProvider("smollm2", smollm2.path, smollm2.options, slots)
    gemma = GgufProvider("gemma3", gemma3.path, gemma3.options, slots)
    pairs = list(zip(small.stream(ask("Hi", 4)), gemma.stream(ask("Hi", 4)), strict=False))
    assert pairs  # no deadlock on the single slot this thread already holds


def test_a_new_request_in_the_same_thread_runs_beside_its_unfinished_stream(smollm2):
    alone = smollm2.complete(ask("Tell me a story.", 8)).text
    left_open = smollm2.stream(ask("Tell me a story.", 8))
    first = next(left_open).text  # a loop that breaks early and keeps the iterator
    reply = smollm2.complete(ask("Say hi.", 3))  # no deadlock on the thread's own stream
    assert reply.usage.completion <= 3
    rest = list(left_open)
    assert first + "".join(c.text for c in rest[:-1]) == alone
