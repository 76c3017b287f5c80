"""`llmspell chat`: streamed replies, a kept conversation, pipes and terminals."""

from __future__ import annotations

import time

from tests.cli.helpers import Terminal, llmspell


def test_piped_chat_answers_each_line_without_prompts_or_banners():
    result = llmspell("chat", "echo", input="hello there\n\nsecond line\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello there\nsecond line\n"
    assert result.stderr == ""


def test_bye_ends_the_chat():
    result = llmspell("chat", "local/echo", input="one\n/bye\ntwo\n")
    assert result.stdout == "one\n"


def test_chat_keeps_the_conversation_and_the_system_prompt(plugin_path):
    assert llmspell("model", "pull", "scripted/tiny").returncode == 0
    result = llmspell("chat", "scripted/tiny", "--system", "Be brief.", input="first\nsecond\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "2 messages (system,user), last: first",
        "4 messages (system,user,assistant,user), last: second",
    ]


def test_interactive_chat_streams_and_leaves_on_bye(plugin_path):
    assert llmspell("model", "pull", "scripted/tiny").returncode == 0
    term = Terminal("chat", "scripted/tiny")
    term.expect("/bye")  # the banner says how to leave
    term.expect(">>> ")
    term.send("hello\n")
    term.expect("1 messages (user), last: hello")
    term.send("/reset\n")
    term.expect("Conversation forgotten.")
    term.send("again\n")
    term.expect("1 messages (user), last: again")
    term.send("more\n")
    term.expect("3 messages (user,assistant,user), last: more")
    term.send("/bye\n")
    assert term.wait() == 0


def test_interactive_chat_leaves_on_ctrl_d():
    term = Terminal("chat", "echo")
    term.expect(">>> ")
    term.send("hi\n")
    term.expect("hi\r\n>>> ")
    term.send("\x04")
    assert term.wait() == 0


def test_chat_with_a_missing_model_fails_with_exit_1():
    result = llmspell("chat", "no-such-model", input="hi\n")
    assert result.returncode == 1
    assert result.stderr.startswith("Error: ") and result.stdout == ""


def test_ctrl_c_stops_a_reply_and_the_chat_goes_on(plugin_path):
    assert llmspell("model", "pull", "scripted/tiny").returncode == 0
    term = Terminal("chat", "scripted/tiny", env={"SCRIPTED_WORD_DELAY": "0.3"})
    term.expect(">>> ")
    term.send("one two three four five six seven eight\n")
    term.expect("messages")
    term.interrupt()
    term.expect("(reply stopped)")
    term.expect(">>> ")
    term.send("again\n")
    term.expect("1 messages (user), last: again", timeout=30)  # the stopped turn is not kept
    term.send("/bye\n")
    assert term.wait() == 0
    assert "Traceback" not in term.output


def test_ctrl_c_at_the_prompt_leaves_with_130():
    term = Terminal("chat", "echo")
    term.expect(">>> ")
    time.sleep(0.5)  # readline is waiting for a key, as when a person presses Ctrl-C
    term.interrupt()
    assert term.wait() == 130


def test_chat_pulls_a_missing_model_first_when_configured(plugin_path, tmp_path):
    config = tmp_path / "llmspell.toml"
    config.write_text("auto_pull_missing = true\n")
    result = llmspell("--config", str(config), "chat", "scripted/tiny", input="hi\n")
    assert result.returncode == 0, result.stderr
    assert "pulling tiny: 5.0 MB" in result.stderr and "100%" in result.stderr
    assert result.stdout == "1 messages (user), last: hi\n"
