"""`llmspell kernel start|status|stop|install`: real kernel processes in this test's home."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from tests.kernel.helpers import SMOLLM2, llmspell, run_cell


def _status() -> list[dict]:
    done = llmspell("kernel", "status", "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["kernels"]


def _gone(pid: int, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_start_status_stop(isolated_home):
    started = llmspell("kernel", "start", "--daemon", "--id", "dev")
    assert started.returncode == 0, started.stderr
    assert started.stdout.startswith("Kernel dev started (pid ")
    assert "llmspell exec --connect dev" in started.stdout
    [kernel] = _status()
    assert kernel["id"] == "dev" and kernel["sandboxed"] is True
    assert kernel["connection_file"] == str(isolated_home / "kernels" / "dev.json")
    assert kernel["uptime_seconds"] >= 0 and kernel["loaded_models"] == []
    text = llmspell("kernel", "status").stdout
    assert text.splitlines()[0].split()[:3] == ["ID", "PID", "UPTIME"]
    assert "dev" in text

    stopped = llmspell("kernel", "stop", "dev")
    assert stopped.returncode == 0, stopped.stderr
    assert stopped.stdout == "Stopped kernel dev.\n"  # graceful: no "(terminated)"
    assert _gone(kernel["pid"])
    assert _status() == []
    assert not (isolated_home / "kernels" / "dev.json").exists()
    assert llmspell("kernel", "status").stdout.startswith("No kernels are running.")


def test_a_killed_kernels_entry_is_cleaned_from_status(isolated_home):
    assert llmspell("kernel", "start", "--daemon", "--id", "doomed").returncode == 0
    [kernel] = _status()
    os.kill(kernel["pid"], signal.SIGKILL)
    assert _gone(kernel["pid"])
    assert _status() == []
    assert list((isolated_home / "kernels").glob("doomed*.json")) == []


def test_ids_are_unique_and_stop_names_what_is_running():
    assert llmspell("kernel", "start", "--daemon", "--id", "one").returncode == 0
    again = llmspell("kernel", "start", "--daemon", "--id", "one")
    assert again.returncode == 2
    assert "A kernel called one is already running" in again.stderr
    unknown = llmspell("kernel", "stop", "two")
    assert unknown.returncode == 2
    assert "No kernel called 'two' is running (running: one)." in unknown.stderr
    assert llmspell("kernel", "stop", "--all").stdout.startswith("Stopped kernel one")


def test_bad_ids_and_ports_are_refused_with_a_sentence():
    bad_id = llmspell("kernel", "start", "--id", "../escape")
    assert bad_id.returncode == 2 and "is not valid" in bad_id.stderr
    bad_port = llmspell("kernel", "start", "--port", "70000")
    assert bad_port.returncode == 2 and "--port must be between" in bad_port.stderr


def test_an_idle_kernel_stops_itself():
    assert (
        llmspell("kernel", "start", "--daemon", "--id", "nap", "--idle-timeout", "1").returncode
        == 0
    )
    [kernel] = _status()
    assert kernel["idle_timeout"] == 1
    assert _gone(kernel["pid"], 20)
    assert _status() == []


def test_listening_beyond_127_0_0_1_is_warned_about(isolated_home):
    assert (
        llmspell("kernel", "start", "--daemon", "--id", "wide", "--ip", "127.0.0.2").returncode == 0
    )
    log = (isolated_home / "kernels" / "wide.log").read_text()
    assert "Warning: the kernel listens on 127.0.0.2" in log
    info = json.loads((isolated_home / "kernels" / "wide.json").read_text())
    assert info["ip"] == "127.0.0.2"
    llmspell("kernel", "stop", "wide")


def test_the_installed_kernelspec_runs_a_cell_with_an_agent(
    isolated_home, smollm2_path, tmp_path, monkeypatch
):
    from jupyter_client.manager import start_new_kernel

    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    installed = llmspell("kernel", "install", "--user")
    assert installed.returncode == 0, installed.stderr
    spec = json.loads((tmp_path / "jupyter" / "kernels" / "llmspell" / "kernel.json").read_text())
    assert spec["language"] == "lua" and spec["argv"][-2:] == ["-f", "{connection_file}"]
    link = ["model", "import", str(smollm2_path), "--name", "smollm2:135m", "--link"]
    assert llmspell(*link).returncode == 0

    km, kc = start_new_kernel(kernel_name="llmspell", startup_timeout=120)
    try:
        cell = run_cell(
            kc,
            f'local a = Agent.create{{ model = "{SMOLLM2}", max_tokens = 4, temperature = 0 }}\n'
            'local r = a:execute{ text = "Hi" }\n'
            "print(r.metadata.provider, r.metadata.tokens.completion <= 4, #r.text > 0)",
        )
        assert cell.reply["status"] == "ok", cell.reply
        assert cell.stdout == "gguf\ttrue\ttrue\n"
        # Jupyter's own kernels are listed too, under an id derived from their file.
        assert [k["id"].startswith("jupyter-") for k in _status()] == [True]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    assert Path(km.connection_file).exists() is False


def test_a_foreground_kernel_stops_on_ctrl_c(isolated_home):
    import subprocess

    from tests.kernel.helpers import LLMSPELL

    proc = subprocess.Popen(
        [LLMSPELL, "kernel", "start", "--id", "fg"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("Kernel fg started (pid ")
    [kernel] = _status()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert "Stopped kernel fg." in err
    assert _gone(kernel["pid"])
    assert _status() == []
