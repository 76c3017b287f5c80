"""Throughput with one core kept busy by another process: the default thread choice against
the best explicit thread count.

A spinning `python -c "while True: pass"` holds one CPU for the whole section. Each setting
runs in a fresh interpreter (the thread choice happens when the model loads) that streams
one greedy reply and reports its decode tokens/s; settings alternate, medians.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable

from common import PYTHON, Home, Row, Section, Settings, median
from drivers import describe_exception
from native import threads

TARGET = 0.8
TOKENS = 64

PROBE = """
import json, sys, time
from llmspell import GenerationParams, Manager
agent = Manager().agent(sys.argv[1], params=GenerationParams(temperature=0,
                                                             max_tokens=int(sys.argv[2])))
agent.complete("Hi", GenerationParams(max_tokens=2))
stamps = []
for chunk in agent.stream("Write a long story about a lighthouse keeper."):
    if chunk.text:
        stamps.append(time.perf_counter())
print(json.dumps({"tps": (len(stamps) - 1) / (stamps[-1] - stamps[0]),
                  "threads": agent.provider.options.n_threads}))
"""


def _probe(spec: str, env: dict[str, str], cwd) -> tuple[float, int]:
    done = subprocess.run(
        [PYTHON, "-c", PROBE, spec, str(TOKENS)], env=env, cwd=cwd, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr else "failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["tps"], result["threads"]


def measure(home: Home, settings: Settings, log: Callable[[str], None]) -> Section:
    section = Section("One core busy with another process")
    reps = 2 if settings.quick else 3
    cores = threads()
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        spec = home.import_model()
        time.sleep(0.5)  # the spinner shows up in the load the thread choice measures
        env = {k: v for k, v in home.env.items() if k != "LLMSPELL_CPU_THREADS"}
        settings_ = {"default": env}
        for n in range(1, cores + 1):
            settings_[f"{n} thread{'s' if n > 1 else ''}"] = {**env, "LLMSPELL_CPU_THREADS": str(n)}
        rates: dict[str, list[float]] = {name: [] for name in settings_}
        chosen: list[int] = []
        for _ in range(reps):
            for name, e in settings_.items():
                tps, n = _probe(spec, e, home.path)
                rates[name].append(tps)
                if name == "default":
                    chosen.append(n)
    except Exception as exc:
        section.rows.append(Row("busy core", "not available", "", note=describe_exception(exc)))
        return section
    finally:
        spinner.kill()
        spinner.wait()
    med = {name: median(r) for name, r in rates.items()}
    best_name = max((n for n in med if n != "default"), key=lambda n: med[n])
    ratio = med["default"] / med[best_name]
    log("  " + ", ".join(f"{n}: {r:.1f}" for n, r in med.items()))
    section.rows.append(
        Row(
            "decode tokens/s with one core busy: default vs best thread count",
            f"{med['default']:.1f} (chose {max(set(chosen), key=chosen.count)} thread(s)) vs "
            f"{best_name} {med[best_name]:.1f}",
            f"≥ {TARGET}×",
            f"{ratio:.2f}×",
            ratio >= TARGET,
        )
    )
    section.details.append(
        "One `python -c 'while True: pass'` spins during the whole section. Each setting in a "
        "fresh process: `Manager().agent(spec)` (default: `cpu_threads = 0`; explicit: "
        "`LLMSPELL_CPU_THREADS=N`), a greedy reply of up to "
        f"{TOKENS} tokens, decode tokens/s; {reps} alternating runs, medians: "
        + ", ".join(f"{n} {r:.1f}" for n, r in med.items())
        + "."
    )
    return section
