"""Single-stream speed against native llama.cpp: llmspell's prompt processing and decode
against `llama-bench` on the same file, threads, batch and flash-attention setting.

llama-bench times `llama_decode` alone (random tokens, no tokenization or sampling);
llmspell is timed as a user sees it: decode = (tokens - 1) / (last token - first token) of
a streamed greedy reply, prompt processing = prompt tokens / time to the first token of a
fresh prompt (so it also pays for the template, tokenization and sampling one token).
llama-bench is given the prompt length llmspell's prompt had.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable

from common import (
    MODEL_NAME,
    Home,
    NotAvailable,
    Row,
    Section,
    Settings,
    gemma_path,
    median,
    model_path,
)
from drivers import describe_exception

TARGET = 0.97
TOKENS = 128
PROMPTS = {
    MODEL_NAME: "Write a long, detailed story about a lighthouse keeper who finds a map. "
    "Describe the sea, the storm, the island and every person he meets on the way.",
    "gemma3:270m": "The history of the lighthouse keeper begins in a small fishing village on "
    "the northern coast, where the winters were long and the storms came without warning. "
    "Every night he climbed the",
}


def threads() -> int:
    from llmspell_gguf import hardware

    return hardware.physical_cores()


def models(home: Home) -> dict[str, str]:
    """Model name -> GGUF path, both imported into the benchmark's home."""
    from llmspell import Manager

    home.import_model()
    found = {MODEL_NAME: str(model_path())}
    try:
        gemma = gemma_path()
        manager = Manager()
        if not manager.backend("gguf").has_model("gemma3:270m"):
            manager.import_file(str(gemma), "gemma3:270m", link=True)
        found["gemma3:270m"] = str(gemma)
    except Exception as exc:  # Gemma is optional: its rows say why
        found["gemma3:270m"] = f"!{describe_exception(exc)}"
    return found


def llmspell_single(name: str, reps: int) -> tuple[float, float, int]:
    """(decode tok/s, prompt tok/s, prompt tokens): medians over `reps` fresh requests."""
    from llmspell import GenerationParams, Manager
    from llmspell_gguf import loader

    agent = Manager().agent(
        f"gguf/{name}", params=GenerationParams(temperature=0, max_tokens=TOKENS, seed=1)
    )
    agent.remember = False
    batcher = loader.acquire(agent.provider.path, agent.provider.options).batcher
    agent.complete("Hi", GenerationParams(max_tokens=4))  # warm-up
    decode, prompt, n_prompt = [], [], 0
    for rep in range(reps):
        batcher.clear_cache()  # the whole prompt is evaluated each time
        stamps, result = [], None
        start = time.perf_counter()
        for chunk in agent.stream(f"({rep}) {PROMPTS[name]}"):
            if chunk.done:
                result = chunk.result
            elif chunk.text:
                stamps.append(time.perf_counter())
        n = result.usage.completion
        n_prompt = result.usage.prompt
        prompt.append(n_prompt / (stamps[0] - start))
        if n > 16:
            decode.append((n - 1) / (stamps[-1] - stamps[0]))
    return median(decode), median(prompt), n_prompt


def native_bench(bench: str, path: str, n_prompt: int, reps: int) -> tuple[float, float]:
    """(tg tok/s, pp tok/s) from llama-bench with llmspell's load options."""
    from llmspell_gguf.options import GgufOptions

    options = GgufOptions()
    argv = [
        bench, "-m", path, "-t", str(threads()), "-p", str(n_prompt), "-n", str(TOKENS),
        "-b", str(options.batch_size), "-ub", str(options.batch_size),
        "-fa", "1" if options.flash_attention else "0", "-r", str(reps), "-o", "json",
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise NotAvailable(f"llama-bench failed: {done.stderr.strip()[-300:]}")
    results = json.loads(done.stdout)
    tg = next(r["avg_ts"] for r in results if r["n_gen"] > 0)
    pp = next(r["avg_ts"] for r in results if r["n_prompt"] > 0)
    return tg, pp


def measure(home: Home, settings: Settings, log: Callable[[str], None]) -> Section:
    from native_tools import tool

    section = Section("Single stream against native llama.cpp (llama-bench)")
    reps = 2 if settings.quick else 5
    os.environ["LLMSPELL_CPU_THREADS"] = str(threads())  # both sides: the same threads
    try:
        bench = str(tool("llama-bench", settings.native_dir, log))
        found = models(home)
    except Exception as exc:
        section.rows.append(Row("llama-bench", "not available", "", note=describe_exception(exc)))
        return section
    for name, path in found.items():
        if path.startswith("!"):
            section.rows.append(Row(f"{name}", "not available", "", note=path[1:]))
            continue
        try:
            decode, prompt, n_prompt = llmspell_single(name, reps)
            tg, pp = native_bench(bench, path, n_prompt, reps)
        except Exception as exc:
            section.rows.append(Row(name, "not available", "", note=describe_exception(exc)))
            continue
        log(f"  {name}: decode {decode:.1f} vs {tg:.1f}, prompt {prompt:.1f} vs {pp:.1f} tok/s")
        section.rows += [
            Row(
                f"{name}: decode tokens/s (llmspell vs llama-bench tg{TOKENS})",
                f"{decode:.1f} vs native {tg:.1f}",
                f"≥ {TARGET}×",
                f"{decode / tg:.3f}×",
                decode / tg >= TARGET,
            ),
            Row(
                f"{name}: prompt processing tokens/s (llmspell vs llama-bench pp{n_prompt})",
                f"{prompt:.1f} vs native {pp:.1f}",
                f"≥ {TARGET}×",
                f"{prompt / pp:.3f}×",
                prompt / pp >= TARGET,
            ),
        ]
    section.details.append(
        f"`llama-bench -m MODEL -t {threads()} -p N -n {TOKENS} -b 512 -ub 512 -fa 1 -r {reps} "
        "-o json` (N = llmspell's prompt length), built from the llama.cpp vendored in the "
        "installed llama-cpp-python (benchmarks/native_tools.py). llmspell: "
        "`Manager().agent(...).stream(...)`, greedy, a fresh prompt each time (prompt cache "
        f"cleared), {reps} repetitions, medians. Decode = (tokens − 1) / (last − first "
        "token time); prompt processing = prompt tokens / time to the first token, which "
        "also includes templating, tokenization and one sampled token that llama-bench "
        "does not count."
    )
    return section
