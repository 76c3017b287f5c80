"""`llmspell --help` stays cheap: no inference library is imported to print help."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.cli.helpers import llmspell
from tests.support.imports import modules_after

HEAVY = ("llama_cpp", "ollama", "huggingface_hub", "lupa", "prompt_toolkit")


def test_help_imports_no_inference_library():
    code, modules = modules_after("--help")
    assert code == 0
    assert "llmspell_cli" in modules  # the probe really ran the CLI
    assert not modules & set(HEAVY), modules & set(HEAVY)


def test_model_help_imports_no_inference_library():
    code, modules = modules_after("model", "--help")
    assert code == 0
    assert not modules & set(HEAVY)


def test_a_one_shot_prompt_does_not_load_the_line_editor():
    code, modules = modules_after("chat", "echo", "hello")
    assert code == 0
    assert "prompt_toolkit" not in modules
    code, modules = modules_after("ask", "echo", "hello")
    assert code == 0 and "prompt_toolkit" not in modules


def test_help_lists_own_and_plugin_commands():
    result = llmspell("--help")
    assert result.returncode == 0
    for command in ("model", "chat", "ask", "plugins", "--config", "--debug", "--version"):
        assert command in result.stdout
    model_help = llmspell("model", "--help").stdout
    for command in ("list (ls)", "pull", "remove (rm)", "info (show)", "ps", "available", "status"):
        assert command in model_help
    # Added by plugins through llmspell_register_commands: Lua at the root, Ollama under model.
    root = {line.split()[1] for line in result.stdout.splitlines() if line.startswith("│ ")}
    assert {"run", "exec"} <= root
    assert "install-ollama" in model_help


def test_version_names_core_cli_and_every_plugin_distribution():
    result = llmspell("--version")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("llmspell 0.")
    text = result.stdout
    for dist in ("llmspell-core", "llmspell-cli", "llmspell-echo"):
        assert f"{dist} 0." in text


def test_runs_as_a_module_too():
    result = subprocess.run(
        [sys.executable, "-m", "llmspell_cli", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.startswith("llmspell ")


def test_a_one_shot_exec_runs_without_building_the_command_tree():
    # perf (#16): `run` and `exec` go straight to the Lua plugin; cyclopts is never imported.
    probe = (
        "import json, sys\n"
        "from llmspell_cli import main\n"
        "sys.argv = ['llmspell', 'exec', 'print(6 * 7)']\n"
        "try:\n    main.main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "print(json.dumps({'code': code, 'cyclopts': 'cyclopts' in sys.modules}),"
        " file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    report = json.loads(result.stderr.strip().splitlines()[-1])
    assert (result.stdout, report) == ("42\n", {"code": 0, "cyclopts": False})
