"""Every script in examples/ runs offline on the embedded backend (SmolLM2 in the GGUF store)."""

from __future__ import annotations

import os

import llmspell
import pytest
from llmspell.config import load_config
from llmspell_lua.commands import run_script

from tests.lua.helpers import EXAMPLES, in_terminal, llmspell_cli

TESTED = {"status.lua", "chat.lua", "compare_backends.lua", "model_info.lua"}


def test_every_example_has_a_test():
    assert {p.name for p in EXAMPLES.glob("*.lua")} == TESTED


def run_example(capfd, name: str, *args: str) -> tuple[int, str, str]:
    capfd.readouterr()
    code = run_script(str(EXAMPLES / name), args)
    captured = capfd.readouterr()
    return code, captured.out, captured.err


def test_status_shows_each_backend_and_its_models(capfd, smollm2):
    code, out, err = run_example(capfd, "status.lua")
    assert code == 0, err
    lines = out.splitlines()
    gguf = lines.index(next(line for line in lines if line.startswith("gguf     up")))
    assert "1 model(s)" in lines[gguf]
    assert lines[gguf + 1].split()[:4] == ["smollm2:135m", "0.10", "GB", "Q4_1"]
    assert any(line.startswith("ollama   down: Ollama is not running") for line in lines)


def test_model_info_describes_the_default_model(capfd, smollm2):
    code, out, err = run_example(capfd, "model_info.lua")
    assert code == 0, err
    fields = dict(line.split(None, 1) for line in out.splitlines() if not line.startswith("c"))
    assert fields["id"] == "gguf/smollm2:135m"
    assert fields["format"] == "gguf"
    assert fields["architecture"] == "llama"
    assert fields["parameters"] == "134.5M"
    assert "context length   8192" in out and "chat template    true" in out


def test_model_info_of_a_missing_model_exits_1_with_the_reason(capfd):
    code, out, err = run_example(capfd, "model_info.lua", "nosuch:1b@gguf")
    assert (code, out) == (1, "")
    assert "nosuch:1b" in err


@pytest.mark.slow
def test_compare_backends_runs_the_up_ones_and_names_the_others(capfd, smollm2):
    code, out, err = run_example(capfd, "compare_backends.lua", "--max-tokens", "8", "Hi there")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Prompt: Hi there"
    assert any(line.startswith("== gguf (smollm2:135m): ") for line in lines)
    assert any(line.startswith("== echo (echo): ") for line in lines)
    assert any(line.startswith("-- ollama is not available: ") for line in lines)
    assert lines[-1] == "Compared 2 backend(s)."


@pytest.mark.slow
def test_chat_answers_the_question_from_the_command_line_and_exits(smollm2):
    ran = llmspell_cli(
        "run", str(EXAMPLES / "chat.lua"), "--max-tokens", "16", "What is the capital of France?"
    )
    assert ran.code == 0, ran.err
    assert ran.out.strip() and ran.out.endswith("\n")
    assert ran.err == ""


def test_chat_reads_piped_lines_until_bye(isolated_home):
    ran = llmspell_cli(
        "run",
        str(EXAMPLES / "chat.lua"),
        "--model",
        "echo@echo",
        stdin="first line\n\nsecond line\n/bye\nnever read\n",
    )
    assert (ran.code, ran.out, ran.err) == (0, "first line \nsecond line \n", "")


def test_chat_is_interactive_on_a_terminal(isolated_home):
    shown = in_terminal(
        ["run", str(EXAMPLES / "chat.lua"), "--model", "echo@echo", "hello there"],
        [("hello there \n> ", "how are you\n"), ("how are you \n> ", "/bye\n")],
        timeout=120,
    )
    assert shown.code == 0, shown.out
    assert "Chatting with echo@echo. Type /bye or press Ctrl-D to end." in shown.out
    assert shown.out.count("> ") == 2


def test_the_example_config_is_valid_for_every_installed_backend(isolated_home):
    config = load_config(EXAMPLES / "llmspell.toml")
    manager = llmspell.Manager(config)
    assert {"ollama", "gguf"} <= set(manager.backends)
    assert manager.registry.plugin_errors == {} and manager.faults == {}
    for status in manager.status():
        assert "llmspell.toml" not in (status.error or "")
    assert config.default_backend is None and config.auto_pull_missing is False
    assert os.fspath(config.source).endswith("examples/llmspell.toml")
