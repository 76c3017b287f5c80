"""What the machine offers llama.cpp: how many cores to use and whether a GPU can take layers.

llama-cpp-python defaults to half the logical CPUs for generation, which is one thread on a
two-core machine without SMT and halves the speed. llmspell counts physical cores instead,
within the CPUs this process may run on and any cgroup CPU quota (containers).
"""

from __future__ import annotations

import math
import os
from functools import cache
from pathlib import Path

from . import bindings


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


def cpu_threads(configured: int) -> int:
    return configured if configured > 0 else physical_cores()


@cache
def gpu_offload_supported() -> bool:
    """Whether this llama-cpp-python build can offload layers (CUDA, Metal, Vulkan, ...)."""
    llama_cpp = bindings.load()

    return bool(llama_cpp.llama_supports_gpu_offload())
