"""The catalog of pullable GGUF models: names mapped to Hugging Face repos and files.

Kept as data (`catalog.json`, shipped in the package) so adding a model is a data change;
users add or override entries from config (`[providers.gguf.options.catalog."name"]`).
`hf.co/owner/repo[:QUANT]` references name any GGUF repo directly, as Ollama accepts them.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

import attrs
from llmspell.errors import BadInputError
from llmspell.models import CatalogEntry

from .options import GgufOptions

HF_PREFIXES = ("hf.co/", "huggingface.co/")


@attrs.frozen
class CatalogFile:
    """One downloadable file of a catalog model."""

    file: str
    size: int | None = None
    sha256: str | None = None  # pinned when known; the hub's metadata is checked regardless


@attrs.frozen
class CatalogModel:
    name: str
    repo: str
    files: dict[str, CatalogFile]  # quantization -> file
    default_quantization: str
    description: str = ""
    recommended: bool = False
    parameters: str | None = None
    license: str | None = None
    source: str = "builtin"  # or "config"

    def quantization_for(self, wanted: str | None) -> str:
        """The catalog key for `wanted` (case-insensitive), or the default when None."""
        if wanted is None:
            return self.default_quantization
        for key in self.files:
            if key.lower() == wanted.lower():
                return key
        raise BadInputError(
            f"{self.name} has no {wanted} quantization in the catalog; "
            f"choose one of: {', '.join(self.files)}."
        )

    def entry(self) -> CatalogEntry:
        default = self.files[self.default_quantization]
        return CatalogEntry(
            name=self.name,
            backend="gguf",
            size_bytes=default.size,
            description=self.description,
            recommended=self.recommended,
            details={
                "repo": self.repo,
                "default_quantization": self.default_quantization,
                "quantizations": {
                    q: {"file": f.file, "size_bytes": f.size} for q, f in self.files.items()
                },
                "parameters": self.parameters,
                "license": self.license,
                "source": self.source,
            },
        )


@lru_cache(maxsize=1)
def builtin() -> dict[str, CatalogModel]:
    raw = json.loads(resources.files(__package__).joinpath("catalog.json").read_text("utf-8"))
    return {name: _from_data(name, data) for name, data in raw["models"].items()}


def _from_data(name: str, data: dict[str, Any]) -> CatalogModel:
    files = {q: CatalogFile(**f) for q, f in data["files"].items()}
    return CatalogModel(
        name=name,
        repo=data["repo"],
        files=files,
        default_quantization=data.get("default_quantization") or next(iter(files)),
        description=data.get("description", ""),
        recommended=bool(data.get("recommended", False)),
        parameters=data.get("parameters"),
        license=data.get("license"),
    )


def catalog(options: GgufOptions) -> dict[str, CatalogModel]:
    """The built-in catalog with the config's entries added (a config entry wins)."""
    models = dict(builtin())
    for name, override in options.catalog.items():
        if not override.files:
            raise BadInputError(
                f"The catalog entry {name!r} in the config lists no files; add at least one, "
                'e.g. files = { Q4_K_M = "model-Q4_K_M.gguf" }.'
            )
        files = {q: CatalogFile(f) for q, f in override.files.items()}
        default = next(
            (q for q in files if q.lower() == options.default_quantization.lower()),
            next(iter(files)),
        )
        if override.size_bytes is not None:
            files[default] = attrs.evolve(files[default], size=override.size_bytes)
        models[name] = CatalogModel(
            name=name,
            repo=override.repo,
            files=files,
            default_quantization=default,
            description=override.description,
            recommended=override.recommended,
            source="config",
        )
    return models


_REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*\Z")


def parse_hf_ref(name: str) -> tuple[str, str | None] | None:
    """`hf.co/owner/repo[:QUANT]` -> (owner/repo, QUANT or None); None for other names."""
    lowered = name.lower()
    prefix = next((p for p in HF_PREFIXES if lowered.startswith(p)), None)
    if prefix is None:
        return None
    rest = name[len(prefix) :]
    repo, _, quant = rest.partition(":")
    if not _REPO.match(repo):
        raise BadInputError(
            f"{name!r} is not a Hugging Face reference; write hf.co/OWNER/REPO or "
            "hf.co/OWNER/REPO:QUANT, e.g. hf.co/bartowski/Qwen2.5-0.5B-Instruct-GGUF:Q4_K_M."
        )
    return repo, quant or None
