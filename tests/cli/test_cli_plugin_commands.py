"""The contract for commands that plugins add through `llmspell_register_commands(app)`."""

from __future__ import annotations

import pytest

from tests.cli.helpers import llmspell
from tests.support.entry_points import write_plugin

PLUGIN = '''
import os
import sys

import llmspell


@llmspell.hookimpl
def llmspell_register_commands(app):
    @app["model"].command
    def hello(name: str, /) -> int:
        """Say hello."""
        if name == "bad":
            raise llmspell.BadInputError("Give a real name, e.g. llmspell model hello Ada.")
        if name == "down":
            raise llmspell.BackendUnavailableError("The hello server is down; start it.")
        if name == "crash":
            raise ValueError("a bug")
        if name == "exit":
            sys.exit(4)
        if name == "config":
            print(os.environ.get("LLMSPELL_CONFIG"))
            print(llmspell.Manager().config.default_backend)
            return None
        print(f"Hello, {name}!")
        return 3 if name == "three" else 0

    @app.command
    def greet() -> None:
        """A root-level plugin command."""
        print("greetings")
'''


@pytest.fixture
def hello_plugin(tmp_path, monkeypatch):
    root = write_plugin(tmp_path / "p", "llmspell-hello", "llmspell_hello", PLUGIN, "hello")
    monkeypatch.setenv("PYTHONPATH", str(root))


def test_plugin_commands_run_under_model_and_at_the_root(hello_plugin):
    assert llmspell("model", "hello", "Ada").stdout == "Hello, Ada!\n"
    assert llmspell("greet").stdout == "greetings\n"
    assert "hello" in llmspell("model", "--help").stdout


@pytest.mark.parametrize(
    ("name", "code", "message"),
    [
        ("Ada", 0, ""),
        ("three", 3, ""),
        ("bad", 2, "Error: Give a real name, e.g. llmspell model hello Ada.\n"),
        ("down", 1, "Error: The hello server is down; start it.\n"),
        ("exit", 4, ""),
    ],
)
def test_exit_codes_follow_the_return_value_and_the_errors_raised(
    hello_plugin, name, code, message
):
    result = llmspell("model", "hello", name)
    assert result.returncode == code
    assert result.stderr == message


def test_an_unexpected_exception_is_exit_1_with_a_hint_and_a_traceback_under_debug(hello_plugin):
    result = llmspell("model", "hello", "crash")
    assert result.returncode == 1
    assert "ValueError: a bug" in result.stderr and "--debug" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Traceback" in llmspell("--debug", "model", "hello", "crash").stderr


def test_global_config_reaches_the_plugin_command(hello_plugin, tmp_path):
    config = tmp_path / "mine.toml"
    config.write_text('default_backend = "echo"\n')
    result = llmspell("--config", str(config), "model", "hello", "config")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [str(config.resolve()), "echo"]
