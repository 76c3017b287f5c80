"""Threads for GGUF models: `--threads N`, `LLMSPELL_CPU_THREADS`, and fewer threads when
other processes keep cores busy (llama.cpp's threads wait for the slowest one at every step)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from llmspell_gguf import hardware

from tests.cli.helpers import llmspell

BUSY_LOOP = "while True: pass"


@pytest.fixture
def smol(smollm2_path):
    assert llmspell("model", "import", str(smollm2_path), "--name", "smol").returncode == 0
    return "gguf/smol"


def two_cpus() -> tuple[int, int]:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        pytest.skip("needs two CPUs")
    return cpus[0], cpus[1]


def test_a_busy_core_is_left_out_of_the_automatic_thread_count(smol):
    first, second = two_cpus()
    # Both pinned: the busy loop on one CPU, llmspell allowed only that CPU and its neighbour.
    busy = subprocess.Popen(
        [sys.executable, "-c", BUSY_LOOP], preexec_fn=lambda: os.sched_setaffinity(0, {second})
    )
    try:
        time.sleep(0.5)  # the loop is running
        result = subprocess.run(
            ["taskset", "-c", f"{first},{second}", *_llmspell(), "chat", smol, "Hi", "-v"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        busy.kill()
        busy.wait()
    assert result.returncode == 0, result.stderr
    assert "Using 1 thread: other processes keep" in result.stderr
    assert "(--threads N overrides)" in result.stderr


@pytest.mark.parametrize("how", ["flag", "environment"])
def test_a_requested_thread_count_is_used_as_given(smol, how):
    args = ["chat", smol, "Hi", "-v", "--max-tokens", "4"]
    env = {}
    if how == "flag":
        args += ["--threads", "3"]
    else:
        env["LLMSPELL_CPU_THREADS"] = "3"
    result = llmspell(*args, env=env)
    assert result.returncode == 0, result.stderr
    assert "Using 3 threads (as requested)." in result.stderr


def test_a_bad_environment_thread_count_is_bad_input(smol):
    result = llmspell("chat", smol, "Hi", env={"LLMSPELL_CPU_THREADS": "many"})
    assert result.returncode == 2
    assert result.stderr == (
        "Error: LLMSPELL_CPU_THREADS='many' is not a thread count; give a whole number "
        "such as 2, or 0 to choose automatically.\n"
    )


def test_idle_and_busy_cpus_counted_from_two_samples_of_proc_stat():
    def at(t, busy, own=0):
        return hardware.CpuSample(t, busy, {0: 100 * t, 1: 100 * t}, own)

    idle = hardware.busy_between(at(0, {0: 0, 1: 0}), at(1, {0: 3, 1: 2}), {0, 1})
    one = hardware.busy_between(at(0, {0: 0, 1: 0}), at(1, {0: 5, 1: 99}), {0, 1})
    # This process's own time (importing, say) is not another process's load.
    own = hardware.busy_between(at(0, {0: 0, 1: 0}), at(1, {0: 90, 1: 3}, own=90), {0, 1})
    assert (idle, one, own) == (0, 1, 0)
    assert [hardware.threads_for(2, busy) for busy in (0, 1, 2)] == [2, 1, 1]


def _llmspell() -> list[str]:
    from tests.cli.helpers import LLMSPELL

    return [LLMSPELL]
