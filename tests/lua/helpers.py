"""Running Lua for tests: the installed `llmspell` command in a subprocess, and constants."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
LLMSPELL = Path(sys.executable).with_name("llmspell")
SMOLLM2 = "local/smollm2:135m@gguf"


@attrs.frozen
class Ran:
    code: int
    out: str
    err: str


def llmspell_cli(*argv: str, stdin: str = "", timeout: float = 300) -> Ran:
    """The installed `llmspell` command in a subprocess, with this test's environment."""
    done = subprocess.run(
        [str(LLMSPELL), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    return Ran(done.returncode, done.stdout, done.stderr)
