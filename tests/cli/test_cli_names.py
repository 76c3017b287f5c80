"""Forgiving model names: the catalog's default tag for an untagged name, "did you mean" for a
typo, and not-found messages that end with a command that works."""

from __future__ import annotations

import pytest
from llmspell.names import close_names, default_tag, untagged_choice

from tests.cli.helpers import llmspell

CATALOG = ["smollm2:135m", "smollm2:360m", "llama3.2:1b", "llama3.2:3b", "user/model:7b"]


def test_an_untagged_name_means_the_catalogs_first_tag():
    assert default_tag("llama3.2", CATALOG) == "llama3.2:1b"
    assert default_tag("user/model", CATALOG) == "user/model:7b"
    assert default_tag("phi3", CATALOG) is None


def test_an_installed_tag_wins_over_the_catalog_default():
    assert untagged_choice("smollm2", ["smollm2:360m"], CATALOG) == "smollm2:360m"
    assert untagged_choice("smollm2", ["smollm2:360m", "smollm2:135m"], CATALOG) == "smollm2:135m"
    assert untagged_choice("smollm2", [], CATALOG) == "smollm2:135m"
    assert untagged_choice("smollm2:135m", [], CATALOG) is None  # already tagged


def test_close_names_catch_typos_and_wrong_tags():
    assert close_names("smolm2:135m", CATALOG)[0] == "smollm2:135m"
    assert "llama3.2:1b" in close_names("llama3.2:8b", CATALOG)
    assert close_names("zzzz", CATALOG) == []


@pytest.fixture
def smol():
    assert llmspell("model", "pull", "gguf/smollm2:135m").returncode == 0


def test_chat_with_an_untagged_name_uses_the_installed_tag(smol):
    result = llmspell("model", "info", "smollm2", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert '"id": "gguf/smollm2:135m"' in result.stdout


def test_a_typo_gets_did_you_mean_instead_of_a_pull_of_the_typo(smol):
    result = llmspell("chat", "smolm2:135m", "Hi")
    assert result.returncode == 1
    assert "Did you mean 'smollm2:135m'?" in result.stderr
    assert "pull smolm2" not in result.stderr


def test_a_missing_untagged_catalog_model_names_a_pull_that_works():
    result = llmspell("chat", "smollm2", "Hi")
    assert result.returncode == 1
    assert result.stderr.endswith("Pull it first: llmspell model pull smollm2:135m@gguf.\n")
    assert llmspell("model", "pull", "smollm2").stdout.startswith("Pulled gguf/smollm2:135m ")


def test_pull_of_an_untagged_name_takes_the_default_tag():
    result = llmspell("model", "pull", "llama3.2")  # offline here: the error names the tag
    assert result.returncode == 1
    assert "Llama-3.2-1B" in result.stderr


def test_pull_of_a_typo_suggests_the_catalog_name():
    result = llmspell("model", "pull", "smolm2:135m")
    assert result.returncode == 1
    assert "Did you mean 'smollm2:135m'" in result.stderr


def test_a_name_nobody_knows_points_to_the_catalog():
    result = llmspell("chat", "zzzz", "Hi")
    assert result.stderr.endswith("llmspell model available lists the models you can pull.\n")


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["model", "info", "gguf/smolm2:135m"], "Error: The gguf backend has no model"),
        (["chat", "gguf/smolm2:135m", "Hi"], "Error: The gguf backend has no model"),
        (["model", "remove", "smolm2:135m", "-y"], "Error: Nothing to remove"),
    ],
)
def test_every_command_that_names_a_model_says_did_you_mean(smol, command, said):
    result = llmspell(*command)
    assert result.returncode == 1
    assert result.stderr.startswith(said)
    assert "Did you mean 'smollm2:135m'?" in result.stderr
