"""Measure llmspell against raw llama-cpp-python and huggingface_hub; write docs/performance.md.

    python benchmarks/run.py [--quick] [--only NAME ...] [--native-dir DIR] [--output PATH]

Every measurement is one function; one that cannot run (a piece of llmspell missing) is
reported as "not available yet" with the reason instead of stopping the others. The exit
status is 1 when any target of MISSION.md is missed or a measurement is not available.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, Home, Row, Section, Settings

HERE = Path(__file__).resolve().parent
MEASUREMENTS = (
    "generation", "memory", "startup", "loads", "pull",
    "native", "batching", "coldstart", "busycore", "longprompt",
) + (("kernel",) if (HERE / "kernel.py").exists() else ())  # fmt: skip


def _measure(name: str) -> Callable[[Home, Settings, Callable[[str], None]], Section]:
    import importlib

    return importlib.import_module(name).measure


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions and tokens (smoke)")
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 21, quick 2)")
    parser.add_argument("--tokens", type=int, default=None, help="new tokens (default 128)")
    parser.add_argument("--only", nargs="+", choices=MEASUREMENTS, default=list(MEASUREMENTS))
    parser.add_argument(
        "--native-dir",
        default=None,
        help="where llama.cpp's tools are built (default: build them in ~/.cache/llmspell-bench)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="markdown page (default docs/performance.md; --quick and --only print it instead)",
    )
    args = parser.parse_args(argv)
    settings = Settings(
        reps=args.reps or (2 if args.quick else 21),
        tokens=args.tokens or (32 if args.quick else 128),
        quick=args.quick,
        native_dir=args.native_dir,
    )
    partial = args.quick or len(args.only) < len(MEASUREMENTS)
    output = args.output or (None if partial else REPO / "docs" / "performance.md")

    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    home = Home()
    sections: list[Section] = []
    try:
        for name in args.only:
            log(f"{name}...")
            try:
                sections.append(_measure(name)(home, settings, log))
            except Exception as exc:  # a harness bug must not hide the other results
                log(f"  {name} failed: {type(exc).__name__}: {exc}")
                sections.append(
                    Section(name, [Row(name, "not available yet", "", note=f"{exc!r}")])
                )
    finally:
        home.close()
    elapsed = time.perf_counter() - started

    from report import render

    command = "python benchmarks/run.py" + (" --quick" if args.quick else "")
    if args.reps or args.tokens:
        command += f" --reps {settings.reps} --tokens {settings.tokens}"
    if len(args.only) < len(MEASUREMENTS):
        command += " --only " + " ".join(args.only)
    page = render(sections, command, elapsed, (load_at_start, os.getloadavg()[0]))
    if output is None:
        print(page)
    else:
        output.write_text(page)
        log(f"wrote {output}")
    rows = [r for s in sections for r in s.rows]
    for r in rows:
        mark = {True: "pass", False: "FAIL", None: "    "}[r.passed]
        log(f"{mark}  {r.name}: {r.value} {r.ratio} {r.note}")
    bad = [r for r in rows if r.passed is False or r.value == "not available yet"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
