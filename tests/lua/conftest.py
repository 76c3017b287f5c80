"""Running Lua in-process (fast, with probes): `lua`, `lua_file`, `runtime`, `smollm2`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import llmspell
import pytest
from llmspell_lua.commands import exec_code, run_script
from llmspell_lua.runtime import ScriptRuntime

from tests.lua.helpers import SMOLLM2, Ran


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


@pytest.fixture
def model_loads(monkeypatch) -> list[str]:
    """Every llama.cpp model load from now on (models load through its C API), starting
    with no model loaded, whatever earlier tests loaded."""
    from llmspell_gguf import bindings

    llmspell.Manager().unload()
    loads: list[str] = []
    native = bindings.load()
    real_load = native.llama_model_load_from_file

    def counting_load(path, params):
        loads.append(path)
        return real_load(path, params)

    monkeypatch.setattr(native, "llama_model_load_from_file", counting_load)
    return loads
