"""Each directory is its own distribution; the core alone installs nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.support.workspace import PACKAGES

HEAVY = {"llama-cpp-python", "ollama", "huggingface-hub", "lupa", "cyclopts"}


def requires(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        meta = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        lines = zf.read(meta).decode().splitlines()
    return [line.split(":", 1)[1].strip() for line in lines if line.startswith("Requires-Dist:")]


def test_every_package_builds_its_own_wheel(workspace_wheels):
    assert set(workspace_wheels) == set(PACKAGES)


def test_plugins_declare_their_entry_points(workspace_wheels):
    for name, group_line in [
        ("llmspell-gguf", "gguf = llmspell_gguf.plugin"),
        ("llmspell-ollama", "ollama = llmspell_ollama.plugin"),
        ("llmspell-lua", "lua = llmspell_lua.plugin"),
    ]:
        with zipfile.ZipFile(workspace_wheels[name]) as zf:
            eps = next(n for n in zf.namelist() if n.endswith("entry_points.txt"))
            text = zf.read(eps).decode()
        assert "[llmspell]" in text and group_line in text


def test_installing_the_core_alone_pulls_in_no_backend_library(workspace_wheels):
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
            str(workspace_wheels["llmspell-core"]),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    installed = {item["metadata"]["name"].lower() for item in json.loads(report.stdout)["install"]}
    assert {"pluggy", "attrs", "cattrs", "llmspell-core"} <= installed
    assert not installed & HEAVY
    assert not any(
        r.split()[0].lower() in HEAVY for r in requires(workspace_wheels["llmspell-core"])
    )
