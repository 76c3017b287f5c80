"""The llmspell-lua wheel carries its Lua sources, and importing the plugin stays cheap."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from tests.lua.helpers import ROOT


@pytest.mark.slow
def test_the_wheel_contains_the_lua_sources(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT / "llmspell-lua"),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("llmspell_lua-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "llmspell_lua/lua/prelude.lua" in names
    assert "llmspell_lua/lua/sandbox.lua" in names


def test_importing_the_plugin_imports_neither_lupa_nor_cyclopts():
    code = (
        "import sys, llmspell_lua.plugin\n"
        "print(sorted(m for m in ('lupa', 'cyclopts') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
