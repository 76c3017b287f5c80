"""`llmspell --help` is replayed from a cache until anything it depends on changes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from llmspell_cli.help_cache import KEEP, is_help_request, lookup, store

from tests.cli.helpers import Terminal, llmspell
from tests.support.entry_points import write_plugin

#: Imported to render help; a replay from the cache needs none of them.
RENDERING = {"cyclopts", "rich", "pluggy", "llmspell", "attrs"}

#: Runs the console script's `main()`, then reports (on stderr) which packages were imported.
PROBE = """
import atexit, json, sys

atexit.register(lambda: print(json.dumps(sorted({m.split(".")[0] for m in sys.modules})),
                              file=sys.stderr))
from llmspell_cli.main import main

main()
"""

HELLO_PLUGIN = '''
import llmspell


@llmspell.hookimpl
def llmspell_register_commands(app):
    def hello():
        """{doc}"""

    app.command(hello, name="hello")
'''


@pytest.fixture
def probe(tmp_path):
    """Run `llmspell ARGS` through `main()`; returns (exit code, stdout bytes, modules)."""
    script = tmp_path / "probe" / "probe.py"
    script.parent.mkdir()
    script.write_text(PROBE)

    def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, bytes, set[str]]:
        result = subprocess.run(
            [sys.executable, str(script), *args],
            capture_output=True,
            env={**os.environ, **(env or {})},
            timeout=60,
        )
        modules = set(json.loads(result.stderr.decode().strip().splitlines()[-1]))
        return result.returncode, result.stdout, modules

    return run


def cache_entries(home: Path) -> list[Path]:
    return sorted((home / "cache" / "help").glob("*.txt"))


@pytest.mark.parametrize(
    "args", [(), ("--help",), ("-h",), ("model", "--help"), ("model", "list", "-h")]
)
def test_second_help_is_replayed_byte_identical_without_rendering(probe, args):
    code, first, modules = probe(*args)
    assert code == 0
    assert "cyclopts" in modules  # the first run really rendered
    code, second, modules = probe(*args)
    assert code == 0
    assert second == first
    assert b"Usage: llmspell" in second
    assert "llmspell_cli" in modules
    assert not modules & RENDERING, modules & RENDERING


def test_console_script_replays_what_it_printed(isolated_home):
    first = llmspell("--help")
    assert len(cache_entries(isolated_home)) == 1
    second = llmspell("--help")
    assert (second.returncode, second.stdout, second.stderr) == (0, first.stdout, "")
    assert len(cache_entries(isolated_home)) == 1


def test_terminal_help_with_colours_is_replayed_identically(isolated_home):
    outputs = []
    for _ in range(2):
        term = Terminal("--help", columns=100)
        assert term.wait() == 0
        outputs.append(term.output)
    assert "\x1b[" in outputs[0]  # rich styled it for the terminal
    assert outputs[1] == outputs[0]
    assert len(cache_entries(isolated_home)) == 1


def test_terminal_width_is_part_of_the_key(isolated_home):
    narrow = Terminal("--help", columns=60)
    assert narrow.wait() == 0
    wide = Terminal("--help", columns=120)
    assert wide.wait() == 0
    assert narrow.output != wide.output
    assert len(cache_entries(isolated_home)) == 2
    again = Terminal("--help", columns=60)
    assert again.wait() == 0
    assert again.output == narrow.output


def test_columns_is_part_of_the_key(probe):
    _, narrow, _ = probe("--help", env={"COLUMNS": "60"})
    _, wide, modules = probe("--help", env={"COLUMNS": "120"})
    assert "cyclopts" in modules
    assert max(len(line) for line in wide.decode().splitlines()) > 100
    _, again, modules = probe("--help", env={"COLUMNS": "60"})
    assert again == narrow
    assert not modules & RENDERING


def test_load_plugins_setting_is_part_of_the_key(probe):
    _, everything, _ = probe("--help")
    assert b"exec" in everything  # added by the Lua plugin
    _, restricted, modules = probe("--help", env={"LLMSPELL_LOAD_PLUGINS": "echo"})
    assert "cyclopts" in modules
    assert b"exec" not in restricted


def test_a_plugin_appearing_on_the_path_shows_in_the_next_help(probe, tmp_path, monkeypatch):
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.setenv("PYTHONPATH", str(root))
    probe("--help")
    _, before, modules = probe("--help")
    assert not modules & RENDERING
    assert b"hello" not in before
    write_plugin(root, "llmspell-hello", "llmspell_hello", HELLO_PLUGIN.format(doc="Say hello."))
    _, after, modules = probe("--help")
    assert "cyclopts" in modules
    assert b"Say hello." in after


def test_editing_an_imported_module_shows_in_the_next_help(probe, tmp_path, monkeypatch):
    """An editable install: the source changes, the directory listing does not."""
    root = tmp_path / "site"
    write_plugin(root, "llmspell-hello", "llmspell_hello", HELLO_PLUGIN.format(doc="Say hello."))
    monkeypatch.setenv("PYTHONPATH", str(root))
    probe("--help")
    _, _, modules = probe("--help")
    assert not modules & RENDERING
    before = os.stat(root).st_mtime_ns
    (root / "llmspell_hello.py").write_text(HELLO_PLUGIN.format(doc="Greet someone politely."))
    assert os.stat(root).st_mtime_ns == before
    _, after, modules = probe("--help")
    assert "cyclopts" in modules
    assert b"Greet someone politely." in after


def test_unwritable_cache_still_prints_help(isolated_home):
    (isolated_home / "cache").write_text("a file where the cache directory would go")
    for _ in range(2):
        result = llmspell("--help")
        assert result.returncode == 0
        assert result.stdout.startswith("Usage: llmspell")
        assert result.stderr == ""


def test_help_that_printed_to_stderr_is_not_cached(isolated_home, tmp_path, monkeypatch):
    """A replay would lose the message, so such help is rendered every time."""
    noisy = 'import sys\n\nprint("llmspell-noisy: deprecated", file=sys.stderr)\n'
    write_plugin(tmp_path / "site", "llmspell-noisy", "llmspell_noisy", noisy)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    for _ in range(2):
        result = llmspell("--help")
        assert result.returncode == 0
        assert "llmspell-noisy: deprecated" in result.stderr
    assert cache_entries(isolated_home) == []


def test_other_command_lines_are_not_cached(isolated_home):
    assert llmspell("--version").returncode == 0
    assert llmspell("--debug", "--help").returncode == 0
    assert llmspell("model", "list").returncode == 0
    assert cache_entries(isolated_home) == []


def test_only_help_requests_qualify():
    for tokens in ([], ["--help"], ["-h"], ["model", "--help"], ["model", "list", "-h"]):
        assert is_help_request(tokens), tokens
    for tokens in (
        ["--version"],
        ["model"],
        ["--debug", "--help"],
        ["--config", "x.toml", "--help"],
        ["chat", "./model.gguf", "--help"],
        ["a", "b", "c", "d", "--help"],
    ):
        assert not is_help_request(tokens), tokens


def test_only_the_newest_entries_are_kept(isolated_home):
    """Every terminal width makes its own entry; the directory does not grow without bound."""
    directory = isolated_home / "cache" / "help"
    for n in range(KEEP + 5):
        store(str(directory / f"{n:04d}.txt"), f"key {n}", "help text\n")
    kept = [path.name for path in cache_entries(isolated_home)]
    assert kept == [f"{n:04d}.txt" for n in range(5, KEEP + 5)]
    assert lookup(str(directory / f"{KEEP + 4:04d}.txt"), f"key {KEEP + 4}") == "help text\n"
    assert lookup(str(directory / f"{KEEP + 4:04d}.txt"), "another key") is None
