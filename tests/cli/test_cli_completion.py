"""Shell completion as cyclopts offers it: installed by --install-completion, working in bash."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.helpers import llmspell


def _complete(script: str, *words: str, cwd: Path | None = None) -> list[str]:
    """What bash offers after `words` (the last one being completed), using the script."""
    line = " ".join(f"'{w}'" for w in words)
    program = (
        f"source '{script}'; COMP_WORDS=(llmspell {line}); COMP_CWORD={len(words)}; "
        '_llmspell; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = subprocess.run(
        ["bash", "-c", program], capture_output=True, text=True, check=True, cwd=cwd
    )
    return result.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_model_arguments_complete_installed_and_catalog_names(tmp_path):
    script = tmp_path / "llmspell.bash"
    script.write_text(llmspell("completion", "bash").stdout)
    assert llmspell("model", "pull", "gguf/smollm2:135m").returncode == 0
    offered = _complete(str(script), "chat", "smo")
    assert offered[0] == "smollm2:135m"  # installed first, then the catalog's
    assert "smollm2:360m" in offered and "echo" not in offered
    assert "llama3.2:1b" in _complete(str(script), "model", "pull", "llama")
    assert _complete(str(script), "model", "info", "ech") == ["echo"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_file_arguments_complete_paths(tmp_path):
    script = tmp_path / "llmspell.bash"
    script.write_text(llmspell("completion", "bash").stdout)
    (tmp_path / "chat.lua").write_text("print(1)\n")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "tiny.gguf").write_bytes(b"GGUF")
    assert _complete(str(script), "run", "cha", cwd=tmp_path) == ["chat.lua"]
    assert _complete(str(script), "model", "import", "models/", cwd=tmp_path) == [
        "models/tiny.gguf"
    ]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_install_completion_writes_a_bash_script_that_completes(tmp_path):
    result = llmspell("--install-completion", "--shell", "bash", env={"HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    script = tmp_path / ".local" / "share" / "bash-completion" / "completions" / "llmspell"
    assert script.is_file()
    assert str(script) in (tmp_path / ".bashrc").read_text()

    assert _complete(str(script), "model", "p") == ["pull", "ps"]
    assert _complete(str(script), "model", "list", "--format", "") == ["text", "json"]
    assert "install-ollama" in _complete(str(script), "model", "")  # a plugin's command


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_script_for_each_shell(shell):
    result = llmspell("completion", shell)
    assert result.returncode == 0
    for word in ("model", "pull", "remove", "chat", "--format", "install-ollama"):
        assert word in result.stdout


def test_completion_of_an_unknown_shell_is_a_usage_error():
    result = llmspell("completion", "tcsh")
    assert result.returncode == 2
    assert "tcsh" in result.stderr
