"""`llmspell model remove`: asks on a terminal, refuses in a pipe without -y."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli.helpers import Terminal, llmspell


def _pulled() -> Path:
    assert llmspell("model", "pull", "scripted/tiny").returncode == 0
    return Path(os.environ["LLMSPELL_HOME"]) / "scripted" / "tiny.bin"


def test_remove_asks_on_a_terminal_and_yes_removes(plugin_path):
    model = _pulled()
    term = Terminal("model", "remove", "scripted/tiny")
    term.expect("Remove scripted/tiny? [y/N] ")
    term.send("y\n")
    assert term.wait() == 0
    assert "Removed scripted/tiny." in term.output
    assert not model.exists()


def test_remove_on_a_terminal_keeps_the_model_unless_confirmed(plugin_path):
    model = _pulled()
    term = Terminal("model", "remove", "tiny@scripted")
    term.expect("[y/N] ")
    term.send("\n")
    assert term.wait() == 1
    assert "Kept scripted/tiny." in term.output
    assert model.exists()


def test_remove_without_a_terminal_refuses_without_yes(plugin_path):
    model = _pulled()
    result = llmspell("model", "remove", "scripted/tiny")
    assert result.returncode == 2
    assert result.stderr == (
        "Error: Not removing scripted/tiny: confirmation needs a terminal. Pass -y to remove it.\n"
    )
    assert model.exists()


def test_remove_with_yes_needs_no_terminal(plugin_path):
    model = _pulled()
    result = llmspell("model", "remove", "scripted/tiny", "-y", "--format", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {
        "status": "removed",
        "id": "scripted/tiny",
        "name": "tiny",
        "backend": "scripted",
    }
    assert not model.exists()


def test_removing_a_missing_model_fails_with_exit_1(plugin_path):
    result = llmspell("model", "remove", "scripted/never-pulled", "-y")
    assert result.returncode == 1
    assert "never-pulled" in result.stderr and "Traceback" not in result.stderr
