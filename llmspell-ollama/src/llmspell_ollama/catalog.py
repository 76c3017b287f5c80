"""The Ollama library models llmspell suggests, read from `catalog.toml` (data, not code)."""

from __future__ import annotations

import sys
from functools import cache
from importlib.resources import files

from llmspell import CatalogEntry

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@cache
def catalog() -> tuple[CatalogEntry, ...]:
    data = tomllib.loads(files(__package__).joinpath("catalog.toml").read_text(encoding="utf-8"))
    return tuple(
        CatalogEntry(
            name=entry["name"],
            backend="ollama",
            size_bytes=entry.get("size"),
            description=entry.get("description", ""),
            recommended=entry.get("recommended", False),
            details={"source": "https://ollama.com/library/" + entry["name"]},
        )
        for entry in data["model"]
    )
