"""`llmspell model pull`: size first, progress on a terminal or in a pipe, Ctrl-C, resume."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.cli.helpers import Terminal, llmspell


def _store() -> Path:
    return Path(os.environ["LLMSPELL_HOME"]) / "scripted"


def test_pull_in_a_pipe_prints_the_size_then_plain_progress_lines(plugin_path):
    result = llmspell("model", "pull", "scripted/tiny")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[:2] == ["pulling manifest", "pulling tiny: 5.0 MB"]
    assert "\r" not in result.stderr
    percents = [line.split()[0] for line in lines[2:-1]]
    assert percents == ["2%"] + [f"{p}%" for p in range(10, 101, 10)]  # first event, then 10 %
    assert lines[-1] == "verifying sha256 digest"
    assert result.stdout.startswith("Pulled scripted/tiny (5.0 MB) in ")
    assert (_store() / "tiny.bin").stat().st_size == 5_000_000


def test_pull_on_a_terminal_draws_a_live_bar(plugin_path):
    term = Terminal("model", "pull", "scripted/tiny", env={"SCRIPTED_PULL_DELAY": "0.04"})
    assert term.wait() == 0
    out = term.output
    assert "pulling tiny: 5.0 MB" in out
    frames = [frame.split("\n")[0] for frame in out.split("\r")[1:] if "%" in frame]
    assert len(frames) >= 5, out
    assert any("MB/s" in f and "ETA" in f and "[#" in f for f in frames), frames
    assert frames[-1].startswith("100.0% [") and "5.0 MB / 5.0 MB" in frames[-1]
    assert "Pulled scripted/tiny (5.0 MB)" in out


def test_ctrl_c_stops_cleanly_keeps_the_partial_download_and_resumes(plugin_path):
    term = Terminal("model", "pull", "scripted/tiny", env={"SCRIPTED_PULL_DELAY": "0.2"})
    term.expect(" 20.0%")
    term.interrupt()
    assert term.wait() == 130
    assert "Pull interrupted" in term.output and "resume" in term.output
    assert "Traceback" not in term.output
    partial = _store() / "tiny.partial"
    kept = partial.stat().st_size
    assert 0 < kept < 5_000_000

    resumed = llmspell("model", "pull", "scripted/tiny")
    assert resumed.returncode == 0
    first = resumed.stderr.splitlines()[2]
    assert not first.startswith("   0%")  # continued from what was kept
    assert (_store() / "tiny.bin").stat().st_size == 5_000_000


def test_pulling_a_present_model_says_so_unless_forced(plugin_path):
    assert llmspell("model", "pull", "scripted/tiny").returncode == 0
    again = llmspell("model", "pull", "scripted/tiny")
    assert again.returncode == 0
    assert again.stdout == "scripted/tiny is already present; pass --force to download it again.\n"
    assert again.stderr == ""
    forced = llmspell("model", "pull", "scripted/tiny", "--force")
    assert forced.returncode == 0 and "pulling tiny: 5.0 MB" in forced.stderr


def test_pull_json_output(plugin_path):
    result = llmspell("model", "pull", "scripted/tiny", "--format", "json")
    data = json.loads(result.stdout)
    assert data["status"] == "pulled"
    assert data["model"]["id"] == "scripted/tiny" and data["model"]["size_bytes"] == 5_000_000
    again = json.loads(llmspell("model", "pull", "scripted/tiny", "--format", "json").stdout)
    assert again["status"] == "present"


def test_pull_from_a_backend_that_cannot_pull_is_a_runtime_failure():
    result = llmspell("model", "pull", "echo/echo", "--force")
    assert result.returncode == 1
    assert result.stderr == "Error: The echo backend cannot pull models.\n"


def test_asking_for_another_quantization_is_not_already_present(plugin_path):
    assert llmspell("model", "pull", "scripted/tiny").returncode == 0  # stored as Q4_0
    same = llmspell("model", "pull", "scripted/tiny", "--quantization", "q4_0")
    assert "already present" in same.stdout
    other = llmspell("model", "pull", "scripted/tiny", "--quantization", "Q8_0")
    assert other.returncode == 0 and other.stdout.startswith("Pulled scripted/tiny")
