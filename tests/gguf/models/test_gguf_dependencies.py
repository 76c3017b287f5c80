"""llmspell-gguf declares every distribution it imports, with a floor that provides it."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys

from tests.support.workspace import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

PACKAGE = ROOT / "llmspell-gguf"


def imported_top_level_modules() -> set[str]:
    found: set[str] = set()
    for source in (PACKAGE / "src" / "llmspell_gguf").rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"llmspell_gguf"}


def declared() -> dict[str, str]:
    deps = tomllib.loads((PACKAGE / "pyproject.toml").read_text())["project"]["dependencies"]
    out = {}
    for dep in deps:
        name, spec = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", dep).groups()
        out[re.sub(r"[-_.]+", "-", name).lower()] = spec
    return out


def test_every_imported_distribution_is_declared():
    by_module = {**importlib.metadata.packages_distributions(), "llmspell": ["llmspell-core"]}
    needed = {
        re.sub(r"[-_.]+", "-", dist).lower()
        for module in imported_top_level_modules()
        for dist in by_module.get(module, [module])
    }
    assert needed - set(declared()) == set()


def test_huggingface_hub_floor_is_a_release_that_ships_httpx2():
    """`download.py` uses `httpx2`, which huggingface_hub brings only from 2.0 on."""
    floor = re.search(r">=\s*([\d.]+)", declared()["huggingface-hub"]).group(1)
    assert int(floor.split(".")[0]) >= 2
