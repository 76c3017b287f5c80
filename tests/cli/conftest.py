"""Fixtures for the CLI tests: in-process runs, extra plugins on a path, an imported SmolLM2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.entry_points import write_plugin

HERE = Path(__file__).parent

BROKEN_PLUGIN = 'raise ImportError("llmspell-broken needs libbroken, which is not installed")\n'


@pytest.fixture
def plugin_path(tmp_path, monkeypatch) -> Path:
    """PYTHONPATH for subprocesses with two more plugins: `scripted`, and `broken` (fails)."""
    root = tmp_path / "plugins"
    source = (HERE / "plugin_scripted.py").read_text()
    write_plugin(root, "llmspell-scripted", "llmspell_scripted", source, entry="scripted")
    write_plugin(root, "llmspell-broken", "llmspell_broken", BROKEN_PLUGIN, entry="broken")
    monkeypatch.setenv("PYTHONPATH", str(root))
    return root
