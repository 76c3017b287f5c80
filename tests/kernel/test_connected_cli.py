"""`--connect`: the same output, JSON and exit codes as embedded mode, from a kernel that
keeps the model loaded; a gone or silent kernel is one sentence and exit 1, quickly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from tests.kernel.helpers import KERNEL_ID, LLMSPELL, SMOLLM2, llmspell, model_loads

SCRIPTS = [
    'print("hello", ...) io.write("no newline")',
    'io.stderr:write("to stderr\\n") print(#arg, arg[0])',
    "local x = 1\nerror('boom')",
    "print('before') os.exit(3)",
    'Agent.create{ model = "no-such:1@gguf" }',
    "local t = {} t.x.y = 1",
]


@pytest.mark.parametrize("code", SCRIPTS)
def test_exec_connected_matches_exec_embedded(kernel, code):
    embedded = llmspell("exec", code, "a", "b", env=kernel.env)
    connected = llmspell("exec", "--connect", KERNEL_ID, code, "a", "b", env=kernel.env)
    assert (connected.returncode, connected.stdout, connected.stderr) == (
        embedded.returncode,
        embedded.stdout,
        embedded.stderr,
    )


def test_run_connected_matches_run_embedded_including_the_script_line(kernel, tmp_path):
    (tmp_path / "greet.lua").write_text(
        'print("args:", ARGS[1], ARGS.name)\nlocal n = nil\nprint(n.field)\n'
    )
    argv = ["greet.lua", "first", "--name", "x"]
    embedded = llmspell("run", *argv, env=kernel.env, cwd=tmp_path)
    connected = llmspell("run", "--connect", KERNEL_ID, *argv, env=kernel.env, cwd=tmp_path)
    assert connected.returncode == embedded.returncode == 1
    assert connected.stdout == embedded.stdout == "args:\tfirst\tx\n"
    assert connected.stderr == embedded.stderr
    assert connected.stderr.startswith("greet.lua:3: attempt to index a nil value")


def test_the_environment_variable_connects_too(kernel):
    env = {**kernel.env, "LLMSPELL_CONNECT": KERNEL_ID}
    done = llmspell("exec", "print(llmspell.sandboxed)", env=env)
    assert (done.returncode, done.stdout) == (0, "true\n")


@pytest.mark.parametrize(
    "argv",
    [
        ["model", "list"],
        ["model", "list", "--format", "json"],
        ["model", "list", "--backend", "gguf", "-v"],
        ["model", "available", "--recommended"],
        ["model", "available", "--format", "json"],
        ["model", "status"],
        ["model", "info", "no-such:1@gguf"],
        ["model", "pull", "gguf/smollm2:135m"],
        ["model", "pull", "gguf/smollm2:135m", "--format", "json"],
        ["model", "remove", "smollm2:135m"],  # no terminal: refused, exit 2
    ],
)
def test_model_commands_connected_match_embedded(kernel, argv):
    embedded = llmspell(*argv, env=kernel.env)
    connected = llmspell(*argv, "--connect", KERNEL_ID, env=kernel.env)
    assert (connected.returncode, connected.stdout, connected.stderr) == (
        embedded.returncode,
        embedded.stdout,
        embedded.stderr,
    )


def test_info_and_status_differ_only_in_what_the_kernel_has_loaded(kernel):
    llmspell("exec", "--connect", KERNEL_ID, f'Agent.create{{model="{SMOLLM2}"}}', env=kernel.env)
    argv = ["model", "info", "smollm2:135m"]
    embedded = llmspell(*argv, env=kernel.env).stdout.splitlines()
    connected = llmspell(*argv, "--connect", KERNEL_ID, env=kernel.env).stdout.splitlines()
    differ = [(a.split(), b.split()) for a, b in zip(embedded, connected, strict=True) if a != b]
    assert differ == [(["loaded", "no"], ["loaded", "yes"])]

    argv = ["model", "status", "--format", "json"]
    embedded = json.loads(llmspell(*argv, env=kernel.env).stdout)["backends"]
    connected = json.loads(llmspell(*argv, "--connect", KERNEL_ID, env=kernel.env).stdout)[
        "backends"
    ]
    loaded = {b["backend"]: b.pop("loaded") for b in connected}
    assert loaded["gguf"] and all(not b.pop("loaded") for b in embedded)
    assert connected == embedded


def test_ten_connected_runs_load_the_model_once(kernel, tmp_path):
    script = tmp_path / "ask.lua"
    script.write_text(
        f'local a = Agent.create{{ model = "{SMOLLM2}", max_tokens = 4, temperature = 0 }}\n'
        'print(#a:complete("Hi") > 0)\n'
    )
    for _ in range(10):
        done = llmspell("run", "--connect", KERNEL_ID, str(script), env=kernel.env)
        assert (done.returncode, done.stdout) == (0, "true\n"), done.stderr
    assert model_loads(kernel) == 1
    status = json.loads(llmspell("kernel", "status", "--format", "json", env=kernel.env).stdout)
    [me] = [k for k in status["kernels"] if k["id"] == KERNEL_ID]
    assert any("smollm2:135m" in m for m in me["loaded_models"])


def test_ctrl_c_interrupts_the_remote_generation_and_exits_130(kernel):
    code = (
        f'local a = Agent.create{{ model = "{SMOLLM2}", max_tokens = 4000, temperature = 1 }}\n'
        'for c in a:execute_streaming{ text = "Tell me a very long story." } do\n'
        "  io.write(c.content.text)\nend\n"
    )
    proc = subprocess.Popen(
        [LLMSPELL, "exec", "--connect", KERNEL_ID, code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=kernel.env,
    )
    assert proc.stdout is not None
    proc.stdout.read(1)  # the first token has arrived
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert time.monotonic() - sent < 10
    assert err.decode().strip().endswith("Interrupted.")
    again = llmspell("exec", "--connect", KERNEL_ID, "print(1)", env=kernel.env)
    assert again.stdout == "1\n"


def test_allow_unsafe_cannot_lift_a_sandboxed_kernels_sandbox(kernel):
    done = llmspell("exec", "--connect", KERNEL_ID, "--allow-unsafe", "print(1)", env=kernel.env)
    assert done.returncode == 2
    assert "runs scripts sandboxed" in done.stderr


def test_a_killed_kernel_is_one_sentence_and_exit_1_quickly(isolated_home):
    assert llmspell("kernel", "start", "--daemon", "--id", "victim").returncode == 0
    record = json.loads((isolated_home / "kernels" / "victim.kernel.json").read_text())
    os.kill(record["pid"], signal.SIGKILL)
    time.sleep(0.2)
    for address in ("victim", record["connection_file"]):
        started = time.monotonic()
        done = llmspell("exec", "--connect", address, "print(1)")
        assert done.returncode == 1
        assert time.monotonic() - started < 5
        assert done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
        assert "Traceback" not in done.stderr


def test_a_silent_kernel_is_one_sentence_and_exit_1_after_the_timeout(isolated_home):
    assert llmspell("kernel", "start", "--daemon", "--id", "frozen").returncode == 0
    record = json.loads((isolated_home / "kernels" / "frozen.kernel.json").read_text())
    os.kill(record["pid"], signal.SIGSTOP)
    try:
        started = time.monotonic()
        env = {**os.environ, "LLMSPELL_CONNECT_TIMEOUT": "1"}
        done = llmspell("model", "list", "--connect", "frozen", env=env)
        assert done.returncode == 1
        assert time.monotonic() - started < 10
        assert done.stderr.startswith("Error: The kernel frozen is not answering")
    finally:
        os.kill(record["pid"], signal.SIGCONT)
        llmspell("kernel", "stop", "frozen")


def test_chat_connected_answers_like_chat_embedded(kernel):
    argv = ["chat", "smollm2:135m", "Say hi", "--max-tokens", "8", "--temperature", "0"]
    embedded = llmspell(*argv, "--seed", "1", env=kernel.env)
    connected = llmspell(*argv, "--seed", "1", "--connect", KERNEL_ID, env=kernel.env)
    assert connected.returncode == embedded.returncode == 0
    assert connected.stdout == embedded.stdout and connected.stdout.strip()
    assert connected.stderr == embedded.stderr  # the max_tokens notice included

    as_json = [*argv, "--seed", "1", "--format", "json"]
    embedded = json.loads(llmspell(*as_json, env=kernel.env).stdout)
    connected = json.loads(llmspell(*as_json, "--connect", KERNEL_ID, env=kernel.env).stdout)
    assert embedded.pop("latency_ms") >= 0 and connected.pop("latency_ms") >= 0
    assert connected == embedded


def test_chat_connected_reads_piped_stdin_and_names_bad_models(kernel):
    piped = llmspell(
        "chat", "smollm2:135m", "--max-tokens", "4", "--connect", KERNEL_ID,
        input="Hello there", env=kernel.env,
    )  # fmt: skip
    assert piped.returncode == 0 and piped.stdout.strip()
    embedded = llmspell("chat", "nosuch:1", "x", env=kernel.env)
    connected = llmspell("chat", "nosuch:1", "x", "--connect", KERNEL_ID, env=kernel.env)
    assert (connected.returncode, connected.stderr) == (embedded.returncode, embedded.stderr)


def test_ctrl_c_in_a_connected_chat_stops_the_reply_and_exits_130(kernel):
    proc = subprocess.Popen(
        [LLMSPELL, "chat", "smollm2:135m", "Tell me a very long story.", "--max-tokens", "4000",
         "--connect", KERNEL_ID],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=kernel.env,
    )  # fmt: skip
    assert proc.stdout is not None
    proc.stdout.read(1)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert llmspell("exec", "--connect", KERNEL_ID, "print(2)", env=kernel.env).stdout == "2\n"
