"""Running Lua in-process (fast, with probes) and through the real `llmspell` command."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import attrs
import llmspell
import pytest
from llmspell_lua.commands import exec_code, run_script
from llmspell_lua.runtime import ScriptRuntime

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
LLMSPELL = Path(sys.executable).with_name("llmspell")
SMOLLM2 = "local/smollm2:135m@gguf"


@attrs.frozen
class Ran:
    code: int
    out: str
    err: str


@pytest.fixture
def lua(capfd) -> Callable[..., Ran]:
    """`lua(code, *args, allow_unsafe=False)`: run Lua like `llmspell exec`, capture stdio."""

    def run(code: str, *args: str, allow_unsafe: bool = False) -> Ran:
        capfd.readouterr()
        status = exec_code(code, args, allow_unsafe=allow_unsafe)
        captured = capfd.readouterr()
        return Ran(status, captured.out, captured.err)

    return run


@pytest.fixture
def lua_file(capfd) -> Callable[..., Ran]:
    """`lua_file(source, *args, name="script.lua")`: write a script and `llmspell run` it."""

    def run(source: str, *args: str, name: str = "script.lua", allow_unsafe=False) -> Ran:
        (Path.cwd() / name).write_text(source)  # cwd: the test's isolated home
        capfd.readouterr()
        status = run_script(name, args, allow_unsafe=allow_unsafe)
        captured = capfd.readouterr()
        return Ran(status, captured.out, captured.err)

    return run


@pytest.fixture
def runtime() -> ScriptRuntime:
    """A bare runtime, for tests that plant Python probes among the globals."""
    return ScriptRuntime(llmspell.Manager())


@pytest.fixture
def smollm2(smollm2_path) -> str:
    """SmolLM2 in this test's GGUF store (a link: the file loads once per process)."""
    llmspell.Manager().import_file(str(smollm2_path), "smollm2:135m", link=True)
    return SMOLLM2


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
