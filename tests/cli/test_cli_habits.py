"""Commands typed out of Ollama and `llm` habits: aliases that work, others that say where to go."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import llmspell


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        (["pull", "smollm2:135m"], "llmspell model pull smollm2:135m"),
        (["list"], "llmspell model list"),
        (["ls"], "llmspell model list"),
        (["rm", "smollm2:135m", "-y"], "llmspell model remove smollm2:135m -y"),
        (["show", "smollm2:135m"], "llmspell model info smollm2:135m"),
        (["ps"], "llmspell model ps"),
    ],
)
def test_root_model_commands_name_the_command_to_run(typed, suggested):
    result = llmspell(*typed)
    assert result.returncode == 2
    assert result.stderr == f"Error: {typed[0]!r} is a model command in llmspell: run {suggested}\n"


def test_ls_rm_and_show_are_aliases_under_model(smollm2_path):
    assert llmspell("model", "import", str(smollm2_path), "--name", "smol").returncode == 0
    listed = llmspell("model", "ls", "--backend", "gguf")
    assert listed.returncode == 0 and "smol" in listed.stdout
    shown = llmspell("model", "show", "gguf/smol", "--format", "json")
    assert json.loads(shown.stdout)["architecture"] == "llama"
    assert llmspell("model", "rm", "gguf/smol", "-y").stdout == "Removed gguf/smol.\n"


def test_ps_lists_loaded_models_of_every_backend():
    result = llmspell("model", "ps")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("No models are loaded.")
    data = json.loads(llmspell("model", "ps", "--format", "json").stdout)
    assert data == {"models": []}


def test_run_with_a_model_name_points_to_chat():
    result = llmspell("run", "smollm2:135m")
    assert result.returncode == 2
    assert result.stderr == (
        "Error: There is no script smollm2:135m. "
        "To talk to a model, run: llmspell chat smollm2:135m\n"
    )


def test_model_list_says_in_one_short_line_that_a_backend_was_skipped():
    result = llmspell("model", "list")
    assert result.returncode == 0
    assert result.stderr == (
        "Note: skipped ollama: Ollama is not running at http://127.0.0.1:9 "
        "(llmspell model status).\n"
    )


def test_ps_shows_a_gguf_model_loaded_in_this_process(cli, smollm2_path):
    from llmspell import Manager
    from llmspell_gguf import loader

    assert cli("model", "import", str(smollm2_path), "--name", "smol")[0] == 0
    Manager().agent("gguf/smol")  # loads it, as a kernel or a chat holds it
    try:
        code, out, _ = cli("model", "ps")
        assert code == 0
        assert out.splitlines()[1].split()[1:4] == ["gguf", "98.4", "MB"]
    finally:
        loader.unload()
