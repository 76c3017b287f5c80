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


class Single:
    """llmspell's side: one model loaded once, timed one fresh request at a time."""

    def __init__(self, name: str) -> None:
        from llmspell import GenerationParams, Manager
        from llmspell_gguf import loader

        self.name = name
        self.agent = Manager().agent(
            f"gguf/{name}", params=GenerationParams(temperature=0, max_tokens=TOKENS, seed=1)
        )
        self.agent.remember = False
        provider = self.agent.provider
        self.batcher = loader.acquire(provider.path, provider.options).batcher
        self.agent.complete("Hi", GenerationParams(max_tokens=4))  # warm-up
        self.n_prompt = 0

    def once(self, rep: int) -> tuple[float | None, float]:
        """(decode tok/s, or None for a short reply; prompt tok/s) of one fresh request."""
        self.batcher.clear_cache()  # the whole prompt is evaluated each time
        stamps, result = [], None
        start = time.perf_counter()
        for chunk in self.agent.stream(f"({rep}) {PROMPTS[self.name]}"):
            if chunk.done:
                result = chunk.result
            elif chunk.text:
                stamps.append(time.perf_counter())
        n = result.usage.completion
        self.n_prompt = result.usage.prompt
        decode = (n - 1) / (stamps[-1] - stamps[0]) if n > 16 else None
        return decode, self.n_prompt / (stamps[0] - start)


def native_bench(bench: str, path: str, prompt: int, depth: int) -> float:
    """tok/s of one llama-bench run with llmspell's load options: processing a `prompt`
    (prompt > 0), else decoding TOKENS tokens after `depth` tokens already in the context,
    as llmspell decodes after its prompt."""
    from llmspell_gguf.options import GgufOptions

    options = GgufOptions()
    argv = [
        bench, "-m", path, "-t", str(threads()), "-p", str(prompt),
        "-n", "0" if prompt else str(TOKENS), "-d", str(depth),
        "-b", str(options.batch_size), "-ub", str(options.batch_size),
        "-fa", "1" if options.flash_attention else "0", "-r", "1", "-o", "json",
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise NotAvailable(f"llama-bench failed: {done.stderr.strip()[-300:]}")
    return json.loads(done.stdout)[0]["avg_ts"]


def interleaved(bench: str, name: str, path: str, reps: int) -> dict[str, float]:
    """Medians of `reps` rounds, each one llmspell request and the matching llama-bench runs
    right after it, so both sides see the machine in the same state."""
    single = Single(name)
    single.once(-1)  # learns the prompt length
    n = single.n_prompt
    got: dict[str, list[float]] = {"decode": [], "prompt": [], "tg": [], "tg0": [], "pp": []}
    for rep in range(reps):
        decode, prompt = single.once(rep)
        if decode is not None:
            got["decode"].append(decode)
        got["prompt"].append(prompt)
        got["tg"].append(native_bench(bench, path, 0, n))
        got["tg0"].append(native_bench(bench, path, 0, 0))
        got["pp"].append(native_bench(bench, path, n, 0))
    return {"n_prompt": n} | {k: median(v) for k, v in got.items()}


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
            m = interleaved(bench, name, path, reps)
        except Exception as exc:
            section.rows.append(Row(name, "not available", "", note=describe_exception(exc)))
            continue
        decode, prompt, tg, pp = m["decode"], m["prompt"], m["tg"], m["pp"]
        n_prompt = int(m["n_prompt"])
        log(f"  {name}: decode {decode:.1f} vs {tg:.1f}, prompt {prompt:.1f} vs {pp:.1f} tok/s")
        section.rows += [
            Row(
                f"{name}: decode tokens/s (llmspell vs llama-bench tg{TOKENS} @ d{n_prompt})",
                f"{decode:.1f} vs native {tg:.1f}",
                f"≥ {TARGET}×",
                f"{decode / tg:.3f}×",
                decode / tg >= TARGET,
                note=f"native tg{TOKENS} on an empty context: {m['tg0']:.1f}",
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
        f"`llama-bench -m MODEL -t {threads()} -b 512 -ub 512 -fa 1 -r 1 -o json` with "
        f"`-p N -n 0` (prompt processing) and `-p 0 -n {TOKENS} -d N` (decoding after N "
        "tokens, as llmspell decodes after its prompt; N = llmspell's prompt length), built "
        "from the llama.cpp vendored in the installed llama-cpp-python "
        "(benchmarks/native_tools.py). llmspell: `Manager().agent(...).stream(...)`, greedy, a "
        f"fresh prompt each time (prompt cache cleared). {reps} rounds, each one llmspell "
        "request followed by the llama-bench runs, so both sides see the machine in the same "
        "state; medians. Decode = (tokens − 1) / (last − first token time), which includes "
        "sampling; prompt processing = prompt tokens / time to the first token, which also "
        "includes templating, tokenization and one sampled token that llama-bench does not "
        "count."
    )
    return section
