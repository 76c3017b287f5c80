"""The machine, the versions and the table, as the markdown page `docs/performance.md`."""

from __future__ import annotations

import datetime
import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from common import Row, Section


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _version(dist: str) -> str:
    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


def machine() -> list[str]:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        f"- CPU: {_cpu_model()}, {cores} CPUs available to the process; RAM {_ram_gib()}; "
        f"{platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, llama-cpp-python {_version('llama_cpp_python')}, "
        f"huggingface_hub {_version('huggingface_hub')}, lupa {_version('lupa')}",
        *(
            [
                "- llama.cpp libraries: llama-cpp-python loaded them from `LLAMA_CPP_LIB_PATH`, "
                "the build that produced the native tools, so every column runs the same "
                "compiled kernels (the pip-built libraries of this install decode about 10% "
                "slower, for raw llama-cpp-python and llmspell alike)"
            ]
            if os.environ.get("LLAMA_CPP_LIB_PATH")
            else []
        ),
        "- llmspell: "
        + ", ".join(
            f"{d} {_version(d)}"
            for d in ("llmspell-core", "llmspell-gguf", "llmspell-cli", "llmspell-lua")
        ),
    ]


def _mark(row: Row) -> str:
    if row.passed is None:
        return "—"
    return "pass" if row.passed else "**FAIL**"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(
    sections: list[Section], command: str, elapsed_s: float, load: tuple[float, float]
) -> str:
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    rows = [r for s in sections for r in s.rows]
    failed = [r for r in rows if r.passed is False]
    missing = [r for r in rows if r.passed is None and r.value == "not available yet"]
    verdict = (
        "Every target is met."
        if not failed and not missing
        else f"{len(failed)} target(s) missed, {len(missing)} measurement(s) not available."
    )
    out = [
        "# Performance",
        "",
        "Measured by `benchmarks/run.py` (not part of the test suite). Reproduce with:",
        "",
        "```sh",
        command,
        "```",
        "",
        f"Run {now}, {elapsed_s / 60:.1f} minutes. {verdict} The script exits with status 1 "
        "when a target is missed.",
        "",
        "## Machine",
        "",
        *machine(),
        f"- Load average (1 min) at the start and the end of the run: {load[0]:.2f}, "
        f"{load[1]:.2f}. The machine is shared; other work running during the benchmark "
        "slows both sides of a comparison, which the interleaving and the paired ratios "
        "absorb, but it moves the absolute numbers.",
        "",
        "## Results",
        "",
        "| measurement | value | target | ratio | result | note |",
        "|---|---|---|---|---|---|",
    ]
    for section in sections:
        out.append(f"| **{_cell(section.title)}** | | | | | |")
        for r in section.rows:
            out.append(
                f"| {_cell(r.name)} | {_cell(r.value)} | {_cell(r.target)} | {_cell(r.ratio)} "
                f"| {_mark(r)} | {_cell(r.note)} |"
            )
    out += ["", "## How each number is measured", ""]
    for section in sections:
        if section.details:
            out += [f"**{section.title}**", ""]
            out += [f"- {d}" for d in section.details]
            out.append("")
    return "\n".join(out).rstrip() + "\n"
