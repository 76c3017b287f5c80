"""`llmspell chat MODEL "prompt"` and `llmspell ask`: one answer, from arguments, stdin or both.

The interactive chat has its own file (test_cli_repl.py)."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import llmspell


def test_a_prompt_argument_is_answered_once():
    result = llmspell("chat", "echo", "What is the capital of France?")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "What is the capital of France?\n"
    assert result.stderr == ""


def test_several_words_make_one_prompt():
    result = llmspell("chat", "echo", "Name", "three", "colors")
    assert result.stdout == "Name three colors\n"


def test_piped_stdin_is_one_prompt_not_one_per_line(plugin_path):
    assert llmspell("model", "pull", "scripted/tiny").returncode == 0
    result = llmspell("chat", "scripted/tiny", input="Summarize:\nline 1\nline 2\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "1 messages (user), last: Summarize:\nline 1\nline 2\n"


def test_piped_stdin_comes_after_the_argument_prompt(plugin_path):
    assert llmspell("model", "pull", "scripted/tiny").returncode == 0
    result = llmspell("chat", "scripted/tiny", "Summarize:", input="line 1\nline 2\n")
    assert result.stdout == "1 messages (user), last: Summarize:\n\nline 1\nline 2\n"


def test_ask_is_the_short_one_shot_form():
    assert llmspell("ask", "echo", "Hi", "there").stdout == "Hi there\n"
    assert llmspell("ask", "echo", input="from a pipe\n").stdout == "from a pipe\n"


@pytest.mark.parametrize("command", ["chat", "ask"])
def test_an_empty_prompt_is_bad_input(command):
    result = llmspell(command, "echo", input="  \n")
    assert result.returncode == 2
    assert result.stderr == "Error: The prompt is empty; give some text after the model name.\n"


def test_the_system_prompt_and_parameters_reach_the_model(plugin_path):
    assert llmspell("model", "pull", "scripted/tiny").returncode == 0
    result = llmspell("chat", "scripted/tiny", "Hi", "--system", "Be brief.", "--temperature", "0")
    assert result.stdout == "2 messages (system,user), last: Hi\n"


def test_json_gives_the_completion_result():
    result = llmspell("chat", "echo", "two words", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["text"].strip() == "two words"
    assert data["model"] == "echo" and data["finish_reason"] == "stop"
    assert data["tokens"] == {"prompt": 2, "completion": 2, "total": 4}
    assert isinstance(data["latency_ms"], float)


def test_a_reply_cut_at_max_tokens_says_so_on_stderr(plugin_path):
    assert llmspell("model", "pull", "scripted/tiny").returncode == 0
    result = llmspell("chat", "scripted/tiny", "Hi", "--max-tokens", "3")
    assert result.returncode == 0
    assert result.stdout == "1 messages (user),\n"
    assert result.stderr == (
        "Note: the reply was cut off at max_tokens = 3; raise it with --max-tokens 2048.\n"
    )


def test_verbose_times_the_reply():
    result = llmspell("chat", "echo", "one two three", "--verbose")
    assert result.stdout == "one two three\n"
    for line in ("total duration:", "prompt tokens:", "reply tokens:"):
        assert line in result.stderr


def test_json_needs_a_prompt():
    result = llmspell("chat", "echo", "--format", "json", input="")
    assert result.returncode == 2


def test_chat_with_a_missing_model_fails_with_exit_1():
    result = llmspell("chat", "no-such-model", "hi")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and result.stdout == ""


def test_chat_pulls_a_missing_model_first_when_configured(plugin_path, tmp_path):
    config = tmp_path / "llmspell.toml"
    config.write_text("auto_pull_missing = true\n")
    result = llmspell("--config", str(config), "chat", "scripted/tiny", "hi")
    assert result.returncode == 0, result.stderr
    assert "pulling tiny: 5.0 MB" in result.stderr and "100%" in result.stderr
    assert result.stdout == "1 messages (user), last: hi\n"


@pytest.mark.parametrize("threads", ["0", "-2"])
def test_threads_must_be_positive(threads):
    result = llmspell("chat", "echo", "hi", "--threads", threads)
    assert result.returncode == 2
    assert result.stderr == f"Error: --threads must be 1 or more, got {threads}.\n"
