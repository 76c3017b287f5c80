"""The kernel speaks Jupyter: kernel_info, cells with streamed output, errors with
script:line, interrupts it survives, completion, multi-line input, signed messages only."""

from __future__ import annotations

import os
import queue
import signal
import stat
import threading
import time

import pytest
from jupyter_client.session import Session

from tests.kernel.helpers import SMOLLM2, run_cell, send


def test_kernel_info_says_lua_and_llmspell(kc):
    info = kc.kernel_info(reply=True, timeout=30)["content"]
    assert info["status"] == "ok"
    assert info["implementation"] == "llmspell"
    assert info["language_info"]["name"] == "lua"
    assert info["language_info"]["file_extension"] == ".lua"


def test_print_arrives_as_a_stdout_stream_and_the_reply_is_ok(kc):
    cell = run_cell(kc, 'print("hello", 1 + 1)\nio.write("no newline")')
    assert cell.reply["status"] == "ok"
    assert cell.stdout == "hello\t2\nno newline"
    assert cell.of_type("stream")[0]["content"]["name"] == "stdout"


def test_stderr_writes_arrive_on_the_stderr_stream(kc):
    cell = run_cell(kc, 'io.stderr:write("careful\\n")')
    streams = cell.of_type("stream")
    assert [(s["content"]["name"], s["content"]["text"]) for s in streams] == [
        ("stderr", "careful\n")
    ]


def test_streamed_tokens_arrive_one_by_one_while_the_model_generates(kc):
    cell = run_cell(
        kc,
        f"""
        local a = Agent.create{{ model = "{SMOLLM2}", max_tokens = 24, temperature = 0, seed = 1 }}
        for chunk in a:execute_streaming{{ text = "Count from one to ten." }} do
          io.write(chunk.content.text)
        end
        """,
    )
    assert cell.reply["status"] == "ok", cell.reply
    streams = [(t, m) for t, m in cell.messages if m["msg_type"] == "stream"]
    assert len(streams) >= 5  # not one block at the end
    assert streams[-1][0] - streams[0][0] > 0.01  # spread over the generation
    assert cell.stdout.strip()


def test_a_lua_error_is_an_error_reply_with_the_line(kc):
    cell = run_cell(kc, 'local x = 1\nerror("boom")')
    assert cell.reply["status"] == "error"
    assert cell.reply["ename"] == "LuaError"
    assert cell.reply["evalue"] == "(cell):2: boom"
    published = cell.of_type("error")
    assert published and published[0]["content"]["evalue"] == "(cell):2: boom"


def test_an_llmspell_error_names_the_script_line_too(kc):
    cell = run_cell(kc, '\n\nAgent.create{ model = "nosuch/model@nowhere" }')
    assert cell.reply["status"] == "error"
    assert cell.reply["evalue"].startswith("(cell):3: ")


def test_a_clients_globals_live_from_one_cell_to_the_next(kc):
    assert run_cell(kc, "counter = 41").reply["status"] == "ok"
    assert run_cell(kc, "counter = counter + 1 print(counter)").stdout == "42\n"


def test_interrupt_request_stops_a_generation_and_the_kernel_survives(kc):
    code = f"""
    local a = Agent.create{{ model = "{SMOLLM2}", max_tokens = 4000, temperature = 1 }}
    for chunk in a:execute_streaming{{ text = "Write a very long story." }} do
      io.write(chunk.content.text)
    end
    """
    msg = kc.session.msg(
        "execute_request",
        {"code": code, "silent": False, "store_history": False, "user_expressions": {},
         "allow_stdin": False, "stop_on_error": False},
    )  # fmt: skip
    kc.shell_channel.send(msg)
    # Wait for the first token, then interrupt over the control channel.
    while True:
        got = kc.get_iopub_msg(timeout=120)
        if got["parent_header"].get("msg_id") == msg["header"]["msg_id"] and (
            got["msg_type"] == "stream"
        ):
            break
    sent = time.monotonic()
    kc.control_channel.send(kc.session.msg("interrupt_request", {}))
    reply = kc.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
        reply = kc.get_shell_msg(timeout=30)
    assert time.monotonic() - sent < 5
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    assert reply["content"]["llmspell"]["exit_code"] == 130
    assert run_cell(kc, 'print("still here")').stdout == "still here\n"


def test_sigint_stops_a_pure_lua_loop(kc, kernel):
    timer = threading.Timer(0.5, os.kill, (kernel.pid, signal.SIGINT))
    timer.start()
    cell = run_cell(kc, "local n = 0 while true do n = n + 1 end", timeout=30)
    assert cell.reply["ename"] == "KeyboardInterrupt"
    assert run_cell(kc, "print(1)").stdout == "1\n"


def test_completion_offers_globals_and_their_methods(kc):
    globals_ = kc.complete("Ag", 2, reply=True, timeout=30)["content"]
    assert "Agent" in globals_["matches"]
    assert globals_["cursor_start"] == 0
    local_llm = kc.complete("x = LocalLLM.", 13, reply=True, timeout=30)["content"]
    assert {"status", "list", "pull", "info", "remove", "available"} <= set(local_llm["matches"])
    assert local_llm["cursor_start"] == 13
    run_cell(kc, 'bot = Agent.create{ model = "echo@echo" }')
    methods = kc.complete("bot:ex", 6, reply=True, timeout=30)["content"]
    assert methods["matches"] == ["execute", "execute_streaming"]


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("for i = 1, 3 do", "incomplete"),
        ("local s = [[a long\nstring", "incomplete"),
        ("print(1)", "complete"),
        ("1 + 1", "complete"),
        ("x = = 1", "invalid"),
    ],
)
def test_is_complete_lets_consoles_continue_a_statement(kc, code, status):
    msg = kc.session.msg("is_complete_request", {"code": code})
    kc.shell_channel.send(msg)
    assert kc.get_shell_msg(timeout=30)["content"]["status"] == status


def test_messages_signed_with_another_key_or_unsigned_are_refused(kc):
    for key in (b"not-the-key", b""):
        forger = Session(key=key, signature_scheme="hmac-sha256")
        forger.send(kc.shell_channel.socket, forger.msg("kernel_info_request", {}))
        with pytest.raises(queue.Empty):  # no reply: the kernel dropped it
            kc.get_shell_msg(timeout=2)
    assert kc.kernel_info(reply=True, timeout=30)["content"]["status"] == "ok"


def test_the_connection_file_is_private_and_the_kernel_listens_on_loopback(kernel):
    mode = stat.S_IMODE(kernel.connection_file.stat().st_mode)
    assert mode == 0o600
    import json

    info = json.loads(kernel.connection_file.read_text())
    assert info["ip"] == "127.0.0.1"
    assert info["signature_scheme"] == "hmac-sha256" and len(info["key"]) >= 32


def test_an_unknown_model_command_gets_an_error_reply(kc):
    cell = send(kc, "model_request", {"command": "explode"})
    assert cell.reply["status"] == "error"
    assert cell.reply["ename"] == "BadInputError"
    assert "list, pull, info, remove, status, available" in cell.reply["evalue"]


def test_the_python_example_of_the_docs_runs_against_a_kernel(kernel, capsys):
    import re
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "kernel.md").read_text()
    (block,) = re.findall(r"```python\n(.*?)```", page, flags=re.S)
    block = block.replace("/home/me/.llmspell/kernels/dev.json", str(kernel.connection_file))
    block = block.replace('"local/smollm2:135m@gguf"', '"echo@echo"')
    exec(compile(block, "kernel.md", "exec"), {})
    out = capsys.readouterr().out
    assert "Hi" in out and "ok" in out
    assert "smollm2:135m" in out  # the model list
