"""`cpu_threads = 0`: physical cores, SMT siblings once, within a container's CPU quota."""

from __future__ import annotations

from pathlib import Path

from llmspell_gguf import hardware


def fake_sys(root: Path, cores: dict[int, tuple[int, int]]) -> Path:
    """A /sys tree whose CPUs sit on the given (package, core) pairs."""
    for cpu, (package, core) in cores.items():
        topology = root / f"devices/system/cpu/cpu{cpu}/topology"
        topology.mkdir(parents=True)
        (topology / "physical_package_id").write_text(f"{package}\n")
        (topology / "core_id").write_text(f"{core}\n")
    return root


def test_hyperthread_siblings_count_as_one_core(tmp_path):
    sysfs = fake_sys(tmp_path, {0: (0, 0), 1: (0, 0), 2: (0, 1), 3: (0, 1)})
    assert hardware._physical_core_count({0, 1, 2, 3}, sysfs) == 2
    assert hardware._physical_core_count({0, 2}, sysfs) == 2  # affinity: one thread per core
    assert hardware._physical_core_count({0, 1}, sysfs) == 1


def test_cores_on_two_sockets_are_distinct(tmp_path):
    sysfs = fake_sys(tmp_path, {0: (0, 0), 1: (1, 0)})
    assert hardware._physical_core_count({0, 1}, sysfs) == 2


def test_without_topology_every_cpu_counts(tmp_path):
    assert hardware._physical_core_count({0, 1, 2}, tmp_path) == 3


def test_a_cgroup_quota_caps_the_threads(tmp_path):
    cgroup = tmp_path / "fs/cgroup"
    cgroup.mkdir(parents=True)
    (cgroup / "cpu.max").write_text("150000 100000\n")
    assert hardware._cgroup_cpu_limit(tmp_path) == 2
    (cgroup / "cpu.max").write_text("max 100000\n")
    assert hardware._cgroup_cpu_limit(tmp_path) is None


def test_a_cgroup_v1_quota_is_read_too(tmp_path):
    v1 = tmp_path / "fs/cgroup/cpu"
    v1.mkdir(parents=True)
    (v1 / "cpu.cfs_period_us").write_text("100000\n")
    (v1 / "cpu.cfs_quota_us").write_text("50000\n")
    assert hardware._cgroup_cpu_limit(tmp_path) == 1
    (v1 / "cpu.cfs_quota_us").write_text("-1\n")
    assert hardware._cgroup_cpu_limit(tmp_path) is None


def test_this_machine_gets_at_least_one_thread_and_no_more_than_its_cpus():
    assert 1 <= hardware.physical_cores() <= len(hardware._allowed_cpus())
