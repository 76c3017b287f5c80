"""First-token latency of a long prompt (over 1,000 tokens): llmspell against raw
llama-cpp-python, in one process, on the same prompt tokens, paired repetitions.

Each repetition's prompt starts with a new line, so neither side finds it in its cache.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from common import Home, Row, Section, Settings, median
from drivers import RawLlama, describe_exception, llmspell_load_settings

TARGET_MS = 10.0
PARAGRAPH = (
    "The lighthouse stood on a rock at the end of the bay, and every evening the keeper "
    "climbed its hundred and twelve steps to light the lamp, wind the clockwork and write "
    "the weather in his book. "
)


def first_raw(llm, tokens: list[int]) -> None:
    """Raw llama-cpp-python to its first text (run in llmspell's decode thread)."""
    for chunk in llm.create_completion(tokens, max_tokens=2, temperature=0.0, stream=True):
        if chunk["choices"][0]["text"]:
            break


def text(rep: int) -> str:
    return f"Note {rep}. Summarise this log.\n" + PARAGRAPH * 28


def measure(home: Home, settings: Settings, log: Callable[[str], None]) -> Section:
    from llmspell import GenerationParams, Manager, Message
    from llmspell_gguf import loader
    from llmspell_gguf import prompt as prompts
    from llmspell_gguf.batching import in_decode_thread

    section = Section("Long prompt: first-token latency")
    reps = 3 if settings.quick else 7
    try:
        spec = home.import_model()
        agent = Manager().agent(spec, params=GenerationParams(temperature=0, max_tokens=2))
        agent.remember = False
        model = loader.acquire(agent.provider.path, agent.provider.options)
        raw = RawLlama(llmspell_load_settings())
    except Exception as exc:
        section.rows.append(Row("long prompt", "not available", "", note=describe_exception(exc)))
        return section
    try:
        ours, theirs, n_prompt = [], [], 0
        for rep in range(-1, reps):  # rep -1: warm-up
            body = text(rep)
            tokens = prompts.tokenize(model, [Message("user", body)])
            n_prompt = len(tokens)
            times = {}
            for side in ("raw", "llmspell") if rep % 2 == 0 else ("llmspell", "raw"):
                start = time.perf_counter()
                if side == "raw":
                    in_decode_thread(first_raw, raw.llm, tokens)
                else:
                    for chunk in agent.stream(body):
                        if chunk.text:
                            break
                times[side] = time.perf_counter() - start
            if rep >= 0:
                ours.append(times["llmspell"])
                theirs.append(times["raw"])
    finally:
        raw.close()
    extra = median([a - b for a, b in zip(ours, theirs, strict=True)]) * 1000
    log(f"  {n_prompt} tokens: {median(ours) * 1000:.0f} vs {median(theirs) * 1000:.0f} ms")
    section.rows.append(
        Row(
            f"first token after a {n_prompt}-token prompt (Python API vs raw)",
            f"{median(ours) * 1000:.0f} ms vs raw {median(theirs) * 1000:.0f} ms",
            f"≤ raw + {TARGET_MS:.0f} ms",
            f"{extra:+.1f} ms ({median(theirs) / median(ours):.3f}× raw's speed)",
            extra <= TARGET_MS,
        )
    )
    section.details.append(
        f"A {n_prompt}-token chat prompt (a note number, then a repeated paragraph), new to "
        "both sides each time; llmspell `agent.stream(text)` to its first text, raw "
        "`Llama.create_completion(prompt_tokens, stream=True)` to its first text, same "
        f"load options; {reps} paired repetitions alternating the order, median of the "
        "differences."
    )
    return section
