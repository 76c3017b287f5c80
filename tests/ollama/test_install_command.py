"""`llmspell model install-ollama`: shows the command, asks first, `--dry-run` only shows.

The installer itself never runs here: the refusal and dry-run paths are exercised for real,
and the "run" path executes a fake `sh` / `brew` placed first on PATH.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cyclopts import App
from llmspell import BadInputError, NotSupportedError, RuntimeFailure
from llmspell_ollama import install, plugin

LINUX = "curl -fsSL https://ollama.com/install.sh | sh"


def cli_app(with_model_group: bool = True) -> App:
    app = App(name="llmspell", result_action="return_value", exit_on_error=False)
    if with_model_group:
        app.command(App(name="model"))
    plugin.llmspell_register_commands(app)
    return app


@pytest.fixture
def system(monkeypatch):
    def pretend(name: str) -> None:
        monkeypatch.setattr(install.platform, "system", lambda: name)

    pretend("Linux")
    return pretend


@pytest.fixture
def fake_bin(monkeypatch, tmp_path):
    """A PATH holding only fake programs that record how they were called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))

    def make(name: str, exit_code: int = 0) -> Path:
        log = tmp_path / f"{name}.args"
        exe = bin_dir / name
        exe.write_text(f'#!/bin/bash\nprintf "%s\\n" "$@" > {log}\nexit {exit_code}\n')
        exe.chmod(0o755)
        return log

    return make


def test_the_command_is_added_to_the_model_group(system, capsys):
    assert cli_app()(["model", "install-ollama", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"llmspell will run:\n  {LINUX}" in out
    assert "Dry run: nothing was run." in out


def test_without_a_model_group_the_command_lands_at_the_root(system, capsys):
    assert cli_app(with_model_group=False)(["install-ollama", "--dry-run"]) == 0
    assert LINUX in capsys.readouterr().out


def test_without_a_terminal_it_refuses_unless_yes(system, fake_bin, capsys):
    sh_log = fake_bin("sh")
    with pytest.raises(BadInputError, match="--yes"):
        cli_app()(["model", "install-ollama"])
    assert LINUX in capsys.readouterr().out  # it still showed what it would run
    assert not sh_log.exists(), "nothing ran"


def test_yes_runs_the_shown_command(system, fake_bin, capsys):
    sh_log = fake_bin("sh")
    assert cli_app()(["model", "install-ollama", "-y"]) == 0
    assert sh_log.read_text().splitlines() == ["-c", LINUX]
    assert "Ollama is installed" in capsys.readouterr().out


def test_a_failing_installer_is_a_runtime_failure(system, fake_bin):
    fake_bin("sh", exit_code=3)
    with pytest.raises(RuntimeFailure, match="exit code 3"):
        install.install_ollama(yes=True)


def test_macos_uses_homebrew_when_present(system, fake_bin, capsys):
    system("Darwin")
    brew_log = fake_bin("brew")
    assert install.install_ollama(dry_run=True) == 0
    assert "brew install ollama" in capsys.readouterr().out
    assert not brew_log.exists()
    assert install.install_ollama(yes=True) == 0
    assert brew_log.read_text().splitlines() == ["install", "ollama"]


def test_macos_without_homebrew_points_to_the_download_page(system, fake_bin):
    system("Darwin")
    with pytest.raises(NotSupportedError, match=r"https://ollama\.com/download/mac"):
        install.install_ollama(dry_run=True)


@pytest.mark.parametrize(
    ("name", "page"),
    [
        ("Windows", "https://ollama.com/download/windows"),
        ("FreeBSD", "https://ollama.com/download"),
    ],
)
def test_other_systems_are_told_where_to_get_ollama(system, name, page):
    system(name)
    with pytest.raises(NotSupportedError) as caught:
        install.install_ollama(dry_run=True)
    assert page in str(caught.value)


def test_json_output_describes_the_plan(system, capsys):
    assert install.install_ollama(dry_run=True, format="json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["command"] == LINUX
    assert shown["dry_run"] is True and shown["ran"] is False


def test_an_existing_install_is_mentioned(system, fake_bin, capsys):
    fake_bin("ollama")
    install.install_ollama(dry_run=True)
    assert "already installed" in capsys.readouterr().out


def test_the_real_cli_offers_install_ollama(tmp_path):
    env = {**os.environ, "LLMSPELL_HOME": str(tmp_path)}
    cli = Path(sys.executable).parent / "llmspell"
    dry = subprocess.run(
        [str(cli), "model", "install-ollama", "--dry-run"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if sys.platform.startswith("linux"):
        assert dry.returncode == 0, dry.stderr
        assert LINUX in dry.stdout
    refused = subprocess.run(
        [str(cli), "model", "install-ollama"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
