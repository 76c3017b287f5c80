"""What the machine offers llama.cpp: how many cores to use and whether a GPU can take layers.

llama-cpp-python defaults to half the logical CPUs for generation, which is one thread on a
two-core machine without SMT and halves the speed. llmspell counts physical cores instead,
within the CPUs this process may run on and any cgroup CPU quota (containers).

Cores that other processes keep busy are worth less than nothing: llama.cpp's threads wait
for each other at every step, so one thread sharing a core with a busy loop stalls them all
(SmolLM2 on 2 cores, one kept busy: 0.9 tok/s with 2 threads, 82 tok/s with 1). So when the
thread count is automatic, `threads_for_load` measures how busy the allowed CPUs are over a
short window (`/proc/stat`, this process's own time left out) and leaves the busy cores out.
`--threads N` (the CLI puts it in `LLMSPELL_CPU_THREADS`) and `cpu_threads = N` bypass it.
"""

from __future__ import annotations

import logging
import math
import os
import time
from functools import cache
from pathlib import Path

import attrs

from . import bindings

log = logging.getLogger("llmspell.gguf")

#: Environment override of `cpu_threads` (what `--threads N` sets): a positive integer.
THREADS_VARIABLE = "LLMSPELL_CPU_THREADS"
#: The shortest window the load is measured over; /proc/stat counts in 10 ms ticks.
LOAD_WINDOW_SECONDS = 0.06
#: A CPU counts as busy when others used at least this share of it during the window.
BUSY_SHARE = 0.5


def _allowed_cpus() -> set[int]:
    try:
        return set(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        return set(range(os.cpu_count() or 1))


SYS = Path("/sys")


def _physical_core_count(cpus: set[int], sysfs: Path = SYS) -> int:
    """Distinct (package, core) pairs among `cpus`; SMT siblings count once."""
    cores: set[tuple[str, str]] = set()
    for cpu in cpus:
        topology = sysfs / f"devices/system/cpu/cpu{cpu}/topology"
        try:
            package = (topology / "physical_package_id").read_text().strip()
            core = (topology / "core_id").read_text().strip()
        except OSError:
            return len(cpus)  # no topology information: every CPU counts
        cores.add((package, core))
    return len(cores) or len(cpus)


def _cgroup_cpu_limit(sysfs: Path = SYS) -> int | None:
    """A container's CPU quota (cgroup v2 `cpu.max`, or v1 CFS), rounded up; None: unlimited."""
    try:
        quota, period = (sysfs / "fs/cgroup/cpu.max").read_text().split()[:2]
    except (OSError, ValueError):
        try:
            v1 = sysfs / "fs/cgroup/cpu"
            quota = (v1 / "cpu.cfs_quota_us").read_text().strip()
            period = (v1 / "cpu.cfs_period_us").read_text().strip()
        except OSError:
            return None
    try:
        quota_us, period_us = int(quota), int(period)
    except ValueError:  # "max": no quota
        return None
    if quota_us <= 0 or period_us <= 0:  # v1 writes -1 for no quota
        return None
    return max(1, math.ceil(quota_us / period_us))


@cache
def physical_cores() -> int:
    """The thread count `cpu_threads = 0` means: physical cores this process can use."""
    count = _physical_core_count(_allowed_cpus())
    limit = _cgroup_cpu_limit()
    return max(1, min(count, limit) if limit else count)


def requested_threads(configured: int = 0) -> int:
    """`LLMSPELL_CPU_THREADS` if set, else `configured`; 0 means choose automatically."""
    raw = os.environ.get(THREADS_VARIABLE, "").strip()
    if not raw:
        return configured
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        from llmspell import BadInputError

        raise BadInputError(
            f"{THREADS_VARIABLE}={raw!r} is not a thread count; give a whole number "
            "such as 2, or 0 to choose automatically."
        )
    return value or configured


def cpu_threads(configured: int) -> int:
    """The thread count without measuring load: the request, else the physical cores."""
    requested = requested_threads(configured)
    return requested if requested > 0 else physical_cores()


@attrs.frozen
class ThreadChoice:
    threads: int
    cores: int  # physical cores this process may use
    busy: int  # of them, kept busy by other processes during the window
    requested: bool  # set by --threads, LLMSPELL_CPU_THREADS or cpu_threads

    def describe(self) -> str:
        if self.requested:
            return f"Using {plural(self.threads, 'thread')} (as requested)."
        if self.busy:
            return (
                f"Using {plural(self.threads, 'thread')}: other processes keep "
                f"{self.busy} of {plural(self.cores, 'core')} busy (--threads N overrides)."
            )
        return f"Using {plural(self.threads, 'thread')}, one per core."


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def threads_for(cores: int, busy: int) -> int:
    """Leave the busy cores to their processes, but always run at least one thread."""
    return max(1, cores - busy)


@cache
def choose_threads(configured: int = 0) -> ThreadChoice:
    """The threads a model load uses; measured once per process, so loads share one answer."""
    cores = physical_cores()
    requested = requested_threads(configured)
    if requested > 0:
        choice = ThreadChoice(requested, cores, 0, True)
    else:
        busy = busy_cpus(_allowed_cpus())
        choice = ThreadChoice(threads_for(cores, min(busy, cores)), cores, busy, False)
    log.info("%s", choice.describe())
    return choice


def threads_for_load(configured: int) -> int:
    return choose_threads(configured).threads


# -- load measurement ------------------------------------------------------------------------


@attrs.frozen
class CpuSample:
    at: float  # time.monotonic()
    busy: dict[int, int]  # cpu -> ticks spent not idle
    total: dict[int, int]  # cpu -> all ticks
    own: int  # ticks this process has used (all its threads)


def sample(proc: Path = Path("/proc")) -> CpuSample | None:
    """Per-CPU tick counters now; None where /proc/stat does not exist (macOS, Windows)."""
    try:
        lines = (proc / "stat").read_text().splitlines()
        own_fields = (proc / "self/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    busy, total = {}, {}
    for line in lines:
        name, *fields = line.split()
        if not name.startswith("cpu") or name == "cpu":
            continue
        ticks = [int(x) for x in fields[:8]]  # user nice system idle iowait irq softirq steal
        total[int(name[3:])] = sum(ticks)
        busy[int(name[3:])] = sum(ticks) - ticks[3] - ticks[4]
    own = int(own_fields[11]) + int(own_fields[12])  # utime, stime
    return CpuSample(time.monotonic(), busy, total, own)


def busy_between(first: CpuSample, second: CpuSample, cpus: set[int]) -> int:
    """How many of `cpus` others kept busy between the samples (this process left out)."""
    used = 0.0
    for cpu in cpus:
        span = second.total.get(cpu, 0) - first.total.get(cpu, 0)
        if span > 0:
            used += (second.busy.get(cpu, 0) - first.busy.get(cpu, 0)) / span
    spans = [second.total[c] - first.total.get(c, 0) for c in cpus if c in second.total]
    used -= (second.own - first.own) / max([1, *spans])
    return max(0, math.floor(used + (1 - BUSY_SHARE)))


_STALE_SECONDS = 2.0
#: Taken when the backend is imported, so the window mostly overlaps work done anyway.
_first_sample = sample()


def busy_cpus(cpus: set[int], window: float = LOAD_WINDOW_SECONDS) -> int:
    """Cores of `cpus` other processes keep busy, measured since import (at least `window`)."""
    first = _first_sample
    if first is None or time.monotonic() - first.at > _STALE_SECONDS:  # a long-lived process
        first = sample()
    if first is None:
        return 0
    wait = window - (time.monotonic() - first.at)
    if wait > 0:
        time.sleep(wait)
    second = sample()
    return 0 if second is None else busy_between(first, second, cpus & set(second.total))


@cache
def gpu_offload_supported() -> bool:
    """Whether this llama-cpp-python build can offload layers (CUDA, Metal, Vulkan, ...)."""
    llama_cpp = bindings.load()

    return bool(llama_cpp.llama_supports_gpu_offload())
