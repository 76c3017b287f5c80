"""Aggregate decode speed with 1, 2, 4 and 8 concurrent streams on one model: llmspell
(threads on one `Manager`, continuous batching) against native `llama-batched-bench` and
against `llama-server` (several slots, continuous batching) serving the same streams.

A rate is taken while every stream of the run is decoding: from the moment the last stream
received its first token to the moment the first stream finished, tokens received by all
streams over that time (with one stream: tokens after the first over the time after it).
That is what `llama-batched-bench` reports as S_TG for the same number of sequences.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable

from common import MODEL_NAME, Home, NotAvailable, Row, Section, Settings, median, model_path
from drivers import describe_exception
from native import threads

COUNTS = (1, 2, 4, 8)
TOKENS = 128
NATIVE_TARGET = 0.9
SERVER_TARGET = 1.0
TOPICS = [
    "a lighthouse keeper", "a robot gardener", "two rival bakers", "a lost kitten",
    "a dragon who cannot fly", "a time-travelling librarian", "a village under the sea",
    "a chess-playing crow",
]  # fmt: skip


def prompt(i: int, rep: int) -> str:
    return f"Write a long, detailed story about {TOPICS[i % len(TOPICS)]}. ({rep})"


def steady_rate(stamps: list[list[float]]) -> float:
    """Tokens per second while every stream was decoding."""
    stamps = [s for s in stamps if len(s) > 1]
    if len(stamps) == 1:
        (s,) = stamps
        return (len(s) - 1) / (s[-1] - s[0])
    start = max(s[0] for s in stamps)
    end = min(s[-1] for s in stamps)
    if end <= start:
        return float("nan")
    tokens = sum(sum(1 for t in s if start < t <= end) for s in stamps)
    return tokens / (end - start)


def run_threads(jobs: list[Callable[[], list[float]]]) -> list[list[float]]:
    results: list[list[float]] = [[] for _ in jobs]
    gate = threading.Barrier(len(jobs))

    def work(i: int) -> None:
        gate.wait()
        results[i] = jobs[i]()

    pool = [threading.Thread(target=work, args=(i,)) for i in range(len(jobs))]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return results


# -- llmspell -----------------------------------------------------------------------------


def llmspell_rates(home: Home, reps: int) -> dict[int, float]:
    from llmspell import GenerationParams, Manager

    spec = home.import_model()
    manager = Manager()
    params = GenerationParams(temperature=0, max_tokens=TOKENS, seed=1)
    agents = [manager.agent(spec, params=params) for _ in range(max(COUNTS))]
    for agent in agents:
        agent.remember = False
    agents[0].complete("Hi", GenerationParams(max_tokens=4))  # warm-up

    def job(agent, text: str) -> Callable[[], list[float]]:
        def stream() -> list[float]:
            stamps = []
            for chunk in agent.stream(text):
                if chunk.text:
                    stamps.append(time.perf_counter())
            return stamps

        return stream

    rates: dict[int, list[float]] = {n: [] for n in COUNTS}
    for rep in range(reps):
        for n in COUNTS:
            jobs = [job(agents[i], prompt(i, rep)) for i in range(n)]
            rates[n].append(steady_rate(run_threads(jobs)))
    return {n: median(r) for n, r in rates.items()}


# -- native ---------------------------------------------------------------------------------


@functools.cache
def prompt_tokens() -> int:
    """Tokens in a stream's rendered prompt: llama-batched-bench's `-npp` for the same work."""
    from llama_cpp import Llama

    vocab = Llama(str(model_path()), vocab_only=True, verbose=False)
    try:
        counts = [
            len(vocab.tokenize(_chat_prompt().format(prompt(i, 0)).encode(), special=True))
            for i in range(max(COUNTS))
        ]
    finally:
        vocab.close()
    return round(median(counts))


def batched_bench(native_dir: str | None, log, unified: bool) -> tuple[dict[int, float], str]:
    """S_TG per batch size; `unified`: one KV cache for every sequence, as llmspell and the
    server below use (llama-batched-bench's default gives each sequence a cache of its own,
    whose attention never looks at another sequence's cells)."""
    from native_tools import tool

    argv = [
        str(tool("llama-batched-bench", native_dir, log)), "-m", str(model_path()),
        "-t", str(threads()), "-c", "4096", "-b", "512", "-ub", "512", "-fa", "on",
        "-npp", str(prompt_tokens()), "-ntg", str(TOKENS),
        "-npl", ",".join(map(str, COUNTS)), *(["-kvu"] if unified else []),
        "--output-format", "jsonl",
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=1200)
    if done.returncode != 0:
        raise NotAvailable(f"llama-batched-bench failed: {done.stderr.strip()[-300:]}")
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    shown = " ".join(a if "/" not in a else a.rsplit("/", 1)[-1] for a in argv[:-2])
    return {r["pl"]: r["speed_tg"] for r in rows}, shown


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_rates(native_dir: str | None, reps: int, log) -> tuple[dict[int, float], str]:
    """The same streams sent to llama-server (one slot per stream, unified KV cache)."""
    from native_tools import tool

    port = _free_port()
    argv = [
        str(tool("llama-server", native_dir, log)), "-m", str(model_path()),
        "-t", str(threads()), "-c", "4096", "-b", "512", "-ub", "512", "-fa", "on",
        "-np", str(max(COUNTS)), "--kv-unified", "--host", "127.0.0.1", "--port", str(port),
        "--no-webui",
    ]  # fmt: skip
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise NotAvailable("llama-server did not start")
            time.sleep(0.3)
        template = _chat_prompt()

        def job(text: str) -> Callable[[], list[float]]:
            def stream() -> list[float]:
                body = json.dumps({
                    "prompt": template.format(text), "n_predict": TOKENS, "temperature": 0,
                    "repeat_penalty": 1.1, "stream": True, "cache_prompt": False,
                }).encode()  # fmt: skip
                request = urllib.request.Request(
                    f"{base}/completion", body, {"Content-Type": "application/json"}
                )
                stamps = []
                with urllib.request.urlopen(request, timeout=600) as response:
                    for line in response:
                        if line.startswith(b"data: "):
                            event = json.loads(line[6:])
                            if event.get("content"):
                                stamps.append(time.perf_counter())
                            if event.get("stop"):
                                break
                return stamps

            return stream

        run_threads([job("Hi")])  # warm-up
        rates: dict[int, list[float]] = {n: [] for n in COUNTS}
        for rep in range(reps):
            for n in COUNTS:
                rates[n].append(steady_rate(run_threads([job(prompt(i, rep)) for i in range(n)])))
        shown = " ".join(a if "/" not in a else a.rsplit("/", 1)[-1] for a in argv)
        return {n: median(r) for n, r in rates.items()}, shown
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


def _chat_prompt() -> str:
    """SmolLM2's ChatML with its default system prompt, a user turn `{}`, as llmspell sends."""
    return (
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
        "Face<|im_end|>\n<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n"
    )


def measure(home: Home, settings: Settings, log: Callable[[str], None]) -> Section:
    section = Section(f"Concurrent streams on one model ({MODEL_NAME}, continuous batching)")
    reps = 1 if settings.quick else 3
    os.environ["LLMSPELL_CPU_THREADS"] = str(threads())
    try:
        mine = llmspell_rates(home, reps)
    except Exception as exc:
        section.rows.append(
            Row("llmspell streams", "not available", "", note=describe_exception(exc))
        )
        return section
    log("  llmspell: " + ", ".join(f"{n}: {r:.1f}" for n, r in mine.items()))
    try:
        native, native_cmd = batched_bench(settings.native_dir, log, unified=True)
        log("  batched-bench: " + ", ".join(f"{n}: {r:.1f}" for n, r in native.items()))
        apart, apart_cmd = batched_bench(settings.native_dir, log, unified=False)
        log(
            "  batched-bench, caches apart: " + ", ".join(f"{n}: {r:.1f}" for n, r in apart.items())
        )
    except Exception as exc:
        native, native_cmd = {}, describe_exception(exc)
        apart, apart_cmd = {}, native_cmd
    try:
        served, server_cmd = server_rates(settings.native_dir, reps, log)
        log("  llama-server: " + ", ".join(f"{n}: {r:.1f}" for n, r in served.items()))
    except Exception as exc:
        served, server_cmd = {}, describe_exception(exc)
    for n in COUNTS:
        ours = mine[n]
        parts = [f"llmspell {ours:.1f}"]
        if n in native:
            parts.append(f"batched-bench {native[n]:.1f}")
        if n in apart and n > 1:
            parts.append(f"(caches apart {apart[n]:.1f})")
        if n in served:
            parts.append(f"llama-server {served[n]:.1f}")
        checked = n >= 4 and n in native
        ratio = ours / native[n] if n in native else None
        ok = None
        if checked:
            ok = ratio >= NATIVE_TARGET and (n not in served or ours / served[n] >= SERVER_TARGET)
        target = f"≥ {NATIVE_TARGET}× native, ≥ {SERVER_TARGET}× server" if n >= 4 else "—"
        ratios = []
        if ratio is not None:
            ratios.append(f"{ratio:.2f}× native")
        if n in served:
            ratios.append(f"{ours / served[n]:.2f}× server")
        section.rows.append(
            Row(
                f"{n} stream{'s' if n > 1 else ''}: aggregate decode tokens/s",
                ", ".join(parts),
                target,
                ", ".join(ratios),
                ok,
                note="" if n in native else "native: " + native_cmd,
            )
        )
    if 1 in mine and 8 in mine:
        section.details.append(
            f"llmspell: 8 streams give {mine[8] / mine[1]:.2f}× the tokens/s of one."
        )
    section.details += [
        f"llmspell: N threads, each streaming `agent.stream(...)` from its own agent on one "
        f"`Manager` (one loaded model, `parallel` = 8), greedy, {TOKENS} new tokens, a "
        f"different story prompt per stream (about {prompt_tokens()} prompt tokens with "
        f"the chat template), {reps} run(s) per N, medians.",
        f"Native: `{native_cmd}` (S_TG column): the prompt length of llmspell's streams and "
        "one KV cache for all sequences, as llmspell and the server use. In brackets the same "
        f"without `-kvu` (`{apart_cmd}`): each sequence gets a cache of its own (1/N of the "
        "context), so attention never looks at another sequence's cells; llmspell keeps one "
        "cache so that a lone sequence may use the whole context.",
        f"Server: `{server_cmd}`; N concurrent streaming `/completion` requests with the "
        "same rendered prompts, `cache_prompt` off, greedy, repeat penalty 1.1.",
        "Rate while all N streams decode: tokens received between the last stream's first "
        "token and the first stream's last token, over that time.",
    ]
    return section
