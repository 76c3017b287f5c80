"""`model_request` answers exactly what `llmspell model ... --format json` prints, field by
field; errors carry the CLI's sentence and exit code; a pull streams its progress."""

from __future__ import annotations

import json

import pytest
from jupyter_client import BlockingKernelClient

from tests.kernel.helpers import isolated_env, llmspell, send

CASES = [
    ("list", {}, []),
    ("list", {"backend": "gguf"}, ["--backend", "gguf"]),
    ("info", {"model": "smollm2:135m@gguf"}, ["smollm2:135m@gguf"]),
    ("status", {}, []),
    ("available", {}, []),
    ("available", {"backend": "gguf", "recommended": True}, ["--backend", "gguf", "--recommended"]),
    ("pull", {"model": "gguf/smollm2:135m"}, ["gguf/smollm2:135m"]),  # already present
]


def _without_loaded(document):
    """`loaded` says what this process has in memory: the kernel, unlike a CLI run, may."""
    if isinstance(document, dict):
        return {k: _without_loaded(v) for k, v in document.items() if k != "loaded"}
    if isinstance(document, list):
        return [_without_loaded(v) for v in document]
    return document


@pytest.mark.parametrize(("command", "fields", "argv"), CASES)
def test_a_model_reply_is_the_cli_json(kc, kernel, command, fields, argv):
    cli = llmspell("model", command, *argv, "--format", "json", env=kernel.env)
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(cli.stdout)
    reply = send(kc, "model_request", {"command": command, **fields}).reply
    assert reply["status"] == "ok", reply
    assert reply["command"] == command
    got = reply["result"]
    assert set(got) == set(expected)
    assert _without_loaded(got) == _without_loaded(expected)
    # The seed's shape: the same fields at the top of the reply, beside its own status.
    top = {k: v for k, v in reply.items() if k in expected and k != "status"}
    assert _without_loaded(top) == _without_loaded(
        {k: v for k, v in expected.items() if k != "status"}
    )


def test_remove_replies_like_the_cli(kc, kernel, smollm2_path):
    for name in ("copy-a:1", "copy-b:1"):
        link = ["model", "import", str(smollm2_path), "--name", name, "--link"]
        assert llmspell(*link, env=kernel.env).returncode == 0
    reply = send(kc, "model_request", {"command": "remove", "model": "gguf/copy-a:1"}).reply
    cli = llmspell("model", "remove", "gguf/copy-b:1", "-y", "--format", "json", env=kernel.env)
    assert reply["status"] == "ok"
    expected = json.loads(cli.stdout)
    assert json.loads(json.dumps(reply["result"]).replace("copy-a", "copy-b")) == expected


def test_an_error_reply_carries_the_cli_sentence_and_exit_code(kc, kernel):
    cli = llmspell("model", "info", "no-such-model:1@gguf", env=kernel.env)
    reply = send(kc, "model_request", {"command": "info", "model": "no-such-model:1@gguf"}).reply
    assert reply["status"] == "error"
    assert reply["exit_code"] == cli.returncode == 1
    assert cli.stderr.strip() == f"Error: {reply['evalue']}"
    assert reply["ename"] == "ModelNotFoundError"


def test_bad_requests_are_refused_with_exit_code_2(kc):
    for content, said in [
        ({"command": "info"}, "needs a model"),
        ({"command": "list", "backend": 3}, "must be a non-empty string"),
        ({"command": "list", "colour": "red"}, "unknown fields colour"),
        ({"command": "pull", "model": "x", "force": "yes"}, "must be true or false"),
    ]:
        reply = send(kc, "model_request", content).reply
        assert reply["status"] == "error", content
        assert reply["exit_code"] == 2
        assert said in reply["evalue"]


def test_a_pull_streams_progress_on_iopub(isolated_home, plugin_path):
    env = {**isolated_env(isolated_home), "PYTHONPATH": str(plugin_path)}
    assert llmspell("kernel", "start", "--daemon", "--id", "puller", env=env).returncode == 0
    kc = BlockingKernelClient()
    kc.load_connection_file(str(isolated_home / "kernels" / "puller.json"))
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        cell = send(kc, "model_request", {"command": "pull", "model": "scripted/tiny"})
        progress = [m["content"] for m in cell.of_type("model_progress")]
        assert cell.reply["status"] == "ok", cell.reply
        assert cell.reply["result"]["status"] == "pulled"
        downloading = [p for p in progress if p["total"]]
        assert len(downloading) >= 10
        assert downloading[-1]["completed"] == downloading[-1]["total"] == 5_000_000
        assert {"model", "status", "completed", "total"} <= set(progress[0])
        cli = llmspell("model", "pull", "scripted/tiny", "--format", "json", env=env)
        assert json.loads(cli.stdout)["model"] == cell.reply["result"]["model"]
    finally:
        kc.stop_channels()
        llmspell("kernel", "stop", "puller", env=env)
