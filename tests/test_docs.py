"""The guide's Python examples run as written, and the plugin page shows the real plugin."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"
ECHO = Path(__file__).resolve().parent / "plugins" / "llmspell-echo" / "llmspell_echo"


def python_blocks(page: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.S)


def test_the_python_api_page_runs_top_to_bottom(capsys):
    namespace: dict = {}
    for block in python_blocks("python-api.md"):
        exec(compile(block, "python-api.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "gguf up" in out
    assert "gguf/smollm2:135m" in out
    assert "No installed backend has 'no-such-model'" in out


def test_the_plugin_page_shows_the_plugin_the_tests_install():
    # The page's second block, a network backend, runs in tests/test_plugin_guide.py.
    shown = python_blocks("plugins.md")[0]
    assert shown == (ECHO / "__init__.py").read_text()
