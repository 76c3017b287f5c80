"""Shell completion as cyclopts offers it: installed by --install-completion, working in bash."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.cli.helpers import llmspell


def _complete(script: str, *words: str) -> list[str]:
    """What bash offers after `words` (the last one being completed), using the script."""
    line = " ".join(f"'{w}'" for w in words)
    program = (
        f"source '{script}'; COMP_WORDS=(llmspell {line}); COMP_CWORD={len(words)}; "
        '_llmspell; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return result.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_install_completion_writes_a_bash_script_that_completes(tmp_path):
    result = llmspell("--install-completion", "--shell", "bash", env={"HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    script = tmp_path / ".local" / "share" / "bash-completion" / "completions" / "llmspell"
    assert script.is_file()
    assert str(script) in (tmp_path / ".bashrc").read_text()

    assert _complete(str(script), "model", "p") == ["pull"]
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
