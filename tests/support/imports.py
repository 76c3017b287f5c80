"""Which top-level modules one `llmspell` command line imports: start-up stays cheap only if
the heavy libraries (inference engines, clients, Jupyter, the line editor) stay out."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from llmspell_cli.main import run
code = run(sys.argv[1:])
loaded = sorted({name.split(".")[0] for name in sys.modules})
print(json.dumps({"code": code, "modules": loaded}), file=sys.stderr)
"""


def modules_after(*args: str) -> tuple[int, set[str]]:
    """The exit code of `llmspell ARGS...` run in a fresh interpreter, and what it imported."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    report = json.loads(result.stderr.strip().splitlines()[-1])
    return report["code"], set(report["modules"])
