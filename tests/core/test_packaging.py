"""Each directory is its own distribution; the core alone installs nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["llmspell-core", "llmspell-gguf", "llmspell-ollama", "llmspell-cli", "llmspell-lua"]
HEAVY = {"llama-cpp-python", "ollama", "huggingface-hub", "lupa", "cyclopts"}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> dict[str, Path]:
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


def requires(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        lines = zf.read(meta).decode().splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.startswith("Requires-Dist:")]


def test_every_package_builds_its_own_wheel(wheels):
    assert set(wheels) == set(PACKAGES)


def test_plugins_declare_their_entry_points(wheels):
    for name, group_line in [
        ("llmspell-gguf", "gguf = llmspell_gguf.plugin"),
        ("llmspell-ollama", "ollama = llmspell_ollama.plugin"),
        ("llmspell-lua", "lua = llmspell_lua.plugin"),
    ]:
        with zipfile.ZipFile(wheels[name]) as zf:
            eps = next(n for n in zf.namelist() if n.endswith("entry_points.txt"))
            text = zf.read(eps).decode()
        assert "[llmspell]" in text and group_line in text


def test_installing_the_core_alone_pulls_in_no_backend_library(wheels):
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "-q",
            "--report",
            "-",
            str(wheels["llmspell-core"]),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    installed = {item["metadata"]["name"].lower() for item in json.loads(report.stdout)["install"]}
    assert {"pluggy", "attrs", "cattrs", "llmspell-core"} <= installed
    assert not installed & HEAVY
    assert not any(r.split()[0].lower() in HEAVY for r in requires(wheels["llmspell-core"]))
