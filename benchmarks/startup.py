"""Wall time of `llmspell --help` and `llmspell model list`, with Ollama not running.

Each command runs as a user would run it (the installed console script, a fresh process),
several times; the median is reported. `model list` runs in the benchmark's home, where the
GGUF backend has one model and Ollama's address is a closed port.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

from common import PYTHON, Home, Row, Section, Settings, llmspell_command, median
from drivers import describe_exception

TARGETS = {"--help": 0.2, "model list": 0.5}


def _wall(argv: list[str], home: Home, cold: bool = False) -> float:
    if cold:  # the CLI's help cache ($LLMSPELL_HOME/cache), as on the first run after a change
        shutil.rmtree(home.path / "cache", ignore_errors=True)
    return home.wall(argv, timeout=60)


def measure(home: Home, settings: Settings, log: Callable[[str], None]) -> Section:
    section = Section("Start-up (Ollama down)")
    runs = 5 if settings.quick else 15
    try:
        llmspell = llmspell_command()
        home.import_model()
    except Exception as exc:
        section.rows.append(Row("start-up", "not available yet", "", note=describe_exception(exc)))
        return section
    commands = {
        "--help": [*llmspell, "--help"],
        "--help, cold": [*llmspell, "--help"],
        "model list": [*llmspell, "model", "list"],
        "python": [PYTHON, "-c", "pass"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    errors: dict[str, str] = {}
    for name, argv in commands.items():  # one untimed run each: the OS file cache
        try:
            _wall(argv, home, cold=name.endswith("cold"))
        except Exception as exc:
            errors[name] = describe_exception(exc)
    for _ in range(runs):
        for name, argv in commands.items():
            if name not in errors:
                times[name].append(_wall(argv, home, cold=name.endswith("cold")))
    for name, target in TARGETS.items():
        if name in errors:
            row = Row(f"`llmspell {name}`", "not available yet", f"< {target} s", note=errors[name])
        else:
            value = median(times[name])
            row = Row(
                f"`llmspell {name}` wall time",
                f"{value * 1000:.0f} ms (min {min(times[name]) * 1000:.0f} ms)",
                f"< {target * 1000:.0f} ms",
                f"{value / target:.2f}× of the limit",
                value < target,
            )
        section.rows.append(row)
        log(f"  {name}: {row.value}")
    if times["--help, cold"]:
        cold = median(times["--help, cold"])
        section.rows.insert(
            1,
            Row(
                "`llmspell --help` with an empty help cache (first run after an install or "
                "a change)",
                f"{cold * 1000:.0f} ms (min {min(times['--help, cold']) * 1000:.0f} ms)",
                "none (shown for comparison)",
            ),
        )
    if times["python"]:
        section.details.append(
            f"For scale: a bare `python -c pass` takes {median(times['python']) * 1000:.0f} ms "
            "here. "
        )
    section.details.append(
        "`llmspell --help` is answered from the CLI's help cache ($LLMSPELL_HOME/cache/help, "
        "filled by the untimed first run); the cold row deletes that cache before every run. "
        f"The installed `llmspell` console script in a fresh process, {runs} runs each after one "
        "untimed run, alternating commands; median wall time. OLLAMA_HOST=http://127.0.0.1:9 "
        "(nothing listens), LLMSPELL_HOME holding one imported GGUF model. Bytecode is "
        "cached as for an installed package (the untimed run writes it under "
        "PYTHONPYCACHEPREFIX; PYTHONDONTWRITEBYTECODE is unset)."
    )
    return section
