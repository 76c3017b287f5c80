"""The llmspell-lua wheel carries its Lua sources, and importing the plugin stays cheap."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest


@pytest.mark.slow
def test_the_wheel_contains_the_lua_sources(workspace_wheels):
    names = zipfile.ZipFile(workspace_wheels["llmspell-lua"]).namelist()
    assert "llmspell_lua/lua/prelude.lua" in names
    assert "llmspell_lua/lua/sandbox.lua" in names


def test_importing_the_plugin_imports_neither_lupa_nor_cyclopts():
    code = (
        "import sys, llmspell_lua.plugin\n"
        "print(sorted(m for m in ('lupa', 'cyclopts') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout == "[]\n"
