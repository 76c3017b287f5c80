"""How many times a Lua script that calls agents 50 times loads the model (must be once).

The script runs through `llmspell run`'s own code path (`llmspell_lua.commands.run_script`) in
a fresh interpreter where llama.cpp's model load (`llama_model_load_from_file`, which
llmspell calls through llama-cpp-python's ctypes bindings) and the GGUF loader's `_load` are
counted by wrappers installed before the script starts. Nothing in llmspell is changed: the
wrappers only count and call through.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

from common import PYTHON, Home, Row, Section, Settings
from drivers import HERE, describe_exception

SCRIPT = HERE / "lua" / "fifty_calls.lua"

COUNTING_RUN = """
import functools, json, sys
from llmspell_gguf import bindings
counts = {"llama_model_load_from_file": 0, "loader._load": 0}
def counting(owner, name, key):
    original = getattr(owner, name)
    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        counts[key] += 1
        return original(*args, **kwargs)
    setattr(owner, name, wrapper)
counting(bindings.load(), "llama_model_load_from_file", "llama_model_load_from_file")
try:
    from llmspell_gguf import loader
    counting(loader, "_load", "loader._load")
except (ImportError, AttributeError):
    counts.pop("loader._load")
from llmspell_lua.commands import run_script
code = run_script(sys.argv[1], sys.argv[2:])
print(json.dumps({"exit": code, **counts}))
"""


def measure(home: Home, settings: Settings, log: Callable[[str], None]) -> Section:
    section = Section("Model loads in one Lua script")
    try:
        spec = home.import_model()
        proc = subprocess.run(
            [PYTHON, "-c", COUNTING_RUN, str(SCRIPT), spec],
            env=home.env,
            cwd=home.path,
            capture_output=True,
            text=True,
            timeout=900,
        )
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not lines or not lines[-1].startswith("{"):
            raise RuntimeError(f"exit {proc.returncode}: {proc.stderr.strip()[-500:]}")
        result = json.loads(lines[-1])
        if result["exit"] != 0 or "calls 50" not in lines:
            raise RuntimeError(f"the script failed (exit {result['exit']}): {proc.stderr[-500:]}")
    except Exception as exc:
        section.rows.append(
            Row(
                "model loads, 50 agent calls",
                "not available yet",
                "1",
                note=describe_exception(exc),
            )
        )
        return section
    loads = result["llama_model_load_from_file"]
    log(f"  {result}")
    section.rows.append(
        Row(
            "model loads across 50 agent calls (`llmspell run`)",
            f"{loads} llama.cpp model load(s)"
            + (f", {result['loader._load']} loader loads" if "loader._load" in result else ""),
            "exactly 1",
            "",
            loads == 1,
        )
    )
    section.details.append(
        f"`benchmarks/lua/{SCRIPT.name}`: 25 calls on one agent, then 25 fresh agents called "
        "once each, all on the same spec, run by `llmspell run`'s code "
        "(`llmspell_lua.commands.run_script`) in a fresh interpreter where "
        "`llama_model_load_from_file` and `llmspell_gguf.loader._load` are wrapped by counters."
    )
    return section
