"""The interactive chat on a real pseudo-terminal: slash commands, multi-line input, history,
Ctrl-C and Ctrl-D, saved conversations. The `echo` model repeats the last message; the
`scripted` model says what the conversation held."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import Terminal, llmspell

PROMPT = ">>>"
#: This terminal does not answer cursor-position requests (prompt_toolkit would wait for one).
NO_CPR = {"PROMPT_TOOLKIT_NO_CPR": "1"}


def chat(*args: str, env: dict[str, str] | None = None) -> Terminal:
    term = Terminal("chat", *args, env={**NO_CPR, **(env or {})})
    term.expect_next(PROMPT)
    return term


def say(term: Terminal, line: str, reply: str) -> str:
    """Type `line` + Enter, wait for `reply`, then for the next prompt; returns what came first."""
    term.send(line + "\r")
    shown = term.expect_next(reply)
    term.expect_next(PROMPT)
    return shown


@pytest.fixture
def tiny(plugin_path):
    assert llmspell("model", "pull", "scripted/tiny").returncode == 0


def test_slash_commands_are_answered_and_never_reach_the_model(tiny):
    term = chat("scripted/tiny")
    say(term, "/set temperature 0", "Set parameter 'temperature' to '0'")
    say(term, "/set parameter top_k 5", "Set parameter 'top_k' to '5'")
    say(term, "/show parameters", "top_k")
    say(term, "/set system Be brief.", "Set system message.")
    say(term, "/show system", "Be brief.")
    say(term, "/foo bar", "Unknown command '/foo'. Type /? for help")
    say(term, "/?", "/save NAME")
    say(term, "/set temperature hot", "temperature takes a number, got 'hot'.")
    say(term, "/set top_p 7", "top_p must be between 0 and 1")
    # None of the above was a message: the model sees the system prompt and one user turn.
    say(term, "hello", "2 messages (system,user), last: hello")
    say(term, "/clear", "Cleared session context.")
    say(term, "again", "2 messages (system,user), last: again")
    term.send("/bye\r")
    assert term.wait() == 0


@pytest.mark.parametrize("word", ["/bye", "/exit", "exit", "quit"])
def test_leave_words_end_the_chat(word):
    term = chat("echo")
    term.send(word + "\r")
    assert term.wait() == 0


def test_triple_quotes_and_a_paste_each_make_one_message(tiny):
    term = chat("scripted/tiny")
    term.send('"""\r')
    term.expect_next("...")
    term.send("first line\r")
    term.expect_next("...")
    say(term, 'second line"""', "1 messages (user), last: first line\r\nsecond line")
    # A bracketed paste (what terminals send for Ctrl-Shift-V) keeps its newlines.
    say(term, "\x1b[200~pasted one\npasted two\x1b[201~", "last: pasted one\r\npasted two")
    say(term, '"""all on one line"""', "last: all on one line")
    term.send("/bye\r")
    assert term.wait() == 0


def test_ctrl_c_on_an_empty_prompt_says_how_to_leave_and_ctrl_d_leaves():
    term = chat("echo")
    term.send("\x03")
    term.expect_next("Use Ctrl + d or /bye to exit.")
    term.expect_next(PROMPT)
    term.send("half a line\x03")  # Ctrl-C with text clears the line instead
    say(term, "still here", "still here")
    assert "half a line still here" not in term.output
    assert term.output.count("Use Ctrl + d") == 1
    term.send("\x04")
    assert term.wait() == 0
    assert "Traceback" not in term.output


def test_ctrl_c_stops_a_reply_and_the_chat_goes_on(tiny):
    term = chat("scripted/tiny", env={"SCRIPTED_WORD_DELAY": "0.3"})
    term.send("one two three four five six seven eight\r")
    term.expect_next("messages")
    term.interrupt()
    term.expect_next("(reply stopped)")
    term.expect_next(PROMPT)
    say(term, "again", "1 messages (user), last: again")  # the stopped turn is not kept
    term.send("/bye\r")
    assert term.wait() == 0


def test_history_is_kept_across_chats_under_llmspell_home(isolated_home):
    term = chat("echo")
    say(term, "remember me", "remember me")
    term.send("\x04")  # Ctrl-D, so that the last line typed is the message
    assert term.wait() == 0
    history = isolated_home / "history" / "chat"
    assert "+remember me" in history.read_text()
    term = chat("echo")
    term.send("\x1b[A")  # Up: the last line of the previous chat comes back
    term.expect_next("remember me")
    term.send("\r")
    term.expect_next("remember me")
    term.send("/bye\r")
    assert term.wait() == 0


def test_save_and_load_continue_a_conversation(tiny, isolated_home):
    term = chat("scripted/tiny")
    say(term, "/set system Be brief.", "Set system message.")
    say(term, "/set max_tokens 64", "Set parameter 'max_tokens' to '64'")
    say(term, "first", "2 messages (system,user), last: first")
    say(term, "/save trip", "Saved the conversation as 'trip'.")
    term.send("/bye\r")
    assert term.wait() == 0
    saved = json.loads((isolated_home / "conversations" / "trip.json").read_text())
    assert saved["model"] == "scripted/tiny"
    assert saved["system"] == "Be brief." and saved["params"] == {"max_tokens": 64}
    assert [m["role"] for m in saved["messages"]] == ["user", "assistant"]

    term = chat("echo")  # another model: /load switches back to the saved one
    say(term, "/load trip", "Loaded 'trip': 2 messages with scripted/tiny.")
    say(term, "/show parameters", "max_tokens")
    say(term, "second", "4 messages (system,user,assistant,user), last: second")
    say(term, "/load nothing-here", "No conversation is saved as 'nothing-here' (saved: trip).")
    say(term, "/save ../escape", "cannot name a conversation")
    term.send("/bye\r")
    assert term.wait() == 0


def test_the_reply_is_wrapped_between_words_to_the_terminal_width():
    words = " ".join(f"word{i:02d}" for i in range(40))  # 7 columns each, 280 in all
    term = Terminal("chat", "echo", words, env=NO_CPR, columns=40)
    assert term.wait() == 0
    lines = [line for line in term.output.split("\r\n") if line.startswith("word")]
    assert " ".join(lines).split() == words.split()  # no word was cut
    assert len(lines) > 5 and all(len(line) <= 39 for line in lines)


def test_set_verbose_times_replies_and_a_cut_reply_names_the_command_to_raise_it(tiny):
    term = chat("scripted/tiny")
    say(term, "/set verbose", "Set 'verbose' mode.")
    say(term, "/set max_tokens 2", "Set parameter 'max_tokens' to '2'")
    shown = say(term, "hello", "raise it with /set max_tokens 2048.")
    assert "1 messages" in shown and "total duration:" in shown
    assert "Note: the reply was cut off at max_tokens = 2;" in shown
    term.send("/bye\r")
    assert term.wait() == 0


def test_show_template_prints_the_models_chat_template(smollm2_path):
    assert llmspell("model", "import", str(smollm2_path), "--name", "smol").returncode == 0
    term = chat("gguf/smol", "--max-tokens", "4")
    say(term, "/show template", "<|im_start|>")
    say(term, "/show system", "No system message was specified.")
    say(term, "/show info", "architecture")
    term.send("/bye\r")
    assert term.wait() == 0
