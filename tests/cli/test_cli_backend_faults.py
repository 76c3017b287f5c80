"""A mistake in one `[providers.NAME]` table disables that backend only, and says so everywhere."""

from __future__ import annotations

import json

import pytest

TYPO = "[providers.ollama]\ntimeout_seconds = 'soon'\n"
REASON = "providers.ollama.timeout_seconds: expected float, got str 'soon'"


@pytest.fixture
def typo(isolated_home):
    (isolated_home / "llmspell.toml").write_text(TYPO)


def test_list_skips_the_broken_backend_with_a_one_line_note(cli, typo):
    code, out, err = cli("model", "list")
    assert code == 0
    assert [line for line in err.splitlines() if "ollama" in line] == [
        f"Note: skipped ollama: disabled: {(err.split('disabled: ', 1)[1]).splitlines()[0]}"
    ]
    assert REASON in err
    code, out, _ = cli("model", "list", "--format", "json")
    assert REASON in json.loads(out)["skipped"]["ollama"]


def test_commands_for_other_backends_do_not_mention_it(cli, typo):
    code, out, err = cli("model", "list", "--backend", "echo")
    assert (code, err) == (0, "")
    code, out, err = cli("model", "info", "echo@echo")
    assert (code, err) == (0, "") and "echo/echo" in out


def test_naming_the_broken_backend_is_bad_input_with_the_reason(cli, typo):
    code, _, err = cli("model", "list", "--backend", "ollama")
    assert code == 2 and REASON in err
    code, _, err = cli("model", "info", "ollama/phi3:3.8b")
    assert code == 2 and REASON in err


def test_status_and_plugins_show_the_reason(cli, typo):
    code, out, _ = cli("model", "status", "--format", "json")
    rows = {b["backend"]: b for b in json.loads(out)["backends"]}
    assert code == 0 and rows["echo"]["healthy"]
    assert not rows["ollama"]["healthy"] and REASON in rows["ollama"]["error"]
    code, out, _ = cli("plugins")
    row = next(line for line in out.splitlines() if line.startswith("ollama "))
    assert code == 0 and row.split()[-1] == "error"
    assert "ollama: disabled: " in out and REASON in out


def test_an_unknown_provider_type_suggests_the_installed_one(cli, isolated_home):
    (isolated_home / "llmspell.toml").write_text("[providers.box]\nprovider_type = 'olama'\n")
    code, out, _ = cli("model", "status")
    assert code == 0
    assert "providers.box.provider_type is 'olama', which no installed plugin provides" in out
    assert "Did you mean 'ollama'?" in out
    code, _, err = cli("model", "list", "--backend", "box")
    assert code == 2 and "Did you mean 'ollama'?" in err
