"""A cold one-shot completion: `llmspell exec` against a raw llama-cpp-python script.

Both start a fresh process, load SmolLM2 with the same options, answer "Hi" with 8 greedy
tokens through the chat template and exit. Each runs under a tiny launcher process that
reports the child's wall time and peak resident set (`wait4`'s `ru_maxrss`: the launcher is
small, so the peak is the child's own). The two alternate, several times; medians.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

from common import (
    PYTHON,
    Home,
    NotAvailable,
    Row,
    Section,
    Settings,
    llmspell_command,
    median,
    model_path,
)
from drivers import describe_exception
from native import threads

WALL_TARGET_MS = 80
RSS_TARGET_MB = 30

LAUNCH = """
import json, os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    os.execvpe(sys.argv[1], sys.argv[1:], os.environ)
_, status, usage = os.wait4(pid, 0)
print(json.dumps({"wall": time.perf_counter() - start, "rss_kb": usage.ru_maxrss,
                  "status": os.waitstatus_to_exitcode(status)}))
"""

RAW = """
import sys
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=4096, n_batch=512, n_ubatch=512,
            n_threads=int(sys.argv[2]), n_threads_batch=int(sys.argv[2]), flash_attn=True,
            verbose=False)
reply = llm.create_chat_completion(messages=[{"role": "user", "content": "Hi"}],
                                   max_tokens=8, temperature=0)
print(reply["choices"][0]["message"]["content"])
"""

LUA = 'print(Agent.create{model="%s", max_tokens=8, temperature=0}:execute{text="Hi"}.text)'


def _run(argv: list[str], env: dict[str, str], cwd) -> tuple[float, float]:
    done = subprocess.run(
        [PYTHON, "-S", "-c", LAUNCH, *argv], env=env, cwd=cwd, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["status"] != 0:
        raise NotAvailable(f"`{' '.join(argv[:2])} …` exited {result['status']}")
    return result["wall"], result["rss_kb"] / 1024


def measure(home: Home, settings: Settings, log: Callable[[str], None]) -> Section:
    section = Section("Cold one-shot completion (`llmspell exec`, 8 tokens)")
    reps = 3 if settings.quick else 7
    try:
        spec = home.import_model()
        mine_argv = [*llmspell_command(), "exec", LUA % spec]
        raw_argv = [PYTHON, "-c", RAW, str(model_path()), str(threads())]
        env = {**home.env, "LLMSPELL_CPU_THREADS": str(threads())}
        _run(mine_argv, env, home.path)  # bytecode and the OS file cache, untimed
        _run(raw_argv, env, home.path)
        mine, raw = [], []
        for rep in range(reps):
            pair = [(raw, raw_argv), (mine, mine_argv)]
            for samples, argv in pair if rep % 2 == 0 else reversed(pair):
                samples.append(_run(argv, env, home.path))
    except Exception as exc:
        section.rows.append(Row("cold one-shot", "not available", "", note=describe_exception(exc)))
        return section
    wall = [w for w, _ in mine], [w for w, _ in raw]
    rss = [r for _, r in mine], [r for _, r in raw]
    extra_ms = median([m - r for m, r in zip(*wall, strict=True)]) * 1000
    extra_mb = median(rss[0]) - median(rss[1])
    log(f"  wall {median(wall[0]) * 1000:.0f} vs {median(wall[1]) * 1000:.0f} ms; "
        f"peak {median(rss[0]):.1f} vs {median(rss[1]):.1f} MB")  # fmt: skip
    section.rows += [
        Row(
            "wall time, start to exit (llmspell exec vs raw script)",
            f"{median(wall[0]) * 1000:.0f} ms vs raw {median(wall[1]) * 1000:.0f} ms",
            f"≤ raw + {WALL_TARGET_MS} ms",
            f"{extra_ms:+.0f} ms",
            extra_ms <= WALL_TARGET_MS,
        ),
        Row(
            "peak resident memory (llmspell exec vs raw script)",
            f"{median(rss[0]):.1f} MB vs raw {median(rss[1]):.1f} MB",
            f"≤ raw + {RSS_TARGET_MB} MB",
            f"{extra_mb:+.1f} MB",
            extra_mb <= RSS_TARGET_MB,
        ),
    ]
    section.details.append(
        f"llmspell: `llmspell exec '{LUA % spec}'`; raw: a `python -c` script that builds "
        "`Llama(model_path, n_ctx=4096, n_batch=512, n_ubatch=512, n_threads=T, "
        "n_threads_batch=T, flash_attn=True, verbose=False)` and prints "
        "`create_chat_completion([{'role': 'user', 'content': 'Hi'}], max_tokens=8, "
        f"temperature=0)`; T = {threads()} on both sides. Each run in a fresh process after "
        f"one untimed run of each, {reps} alternating runs, medians (the wall difference is "
        "the median of the paired differences)."
    )
    return section
