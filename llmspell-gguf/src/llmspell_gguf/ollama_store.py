"""Models Ollama has already downloaded, found in its store and run here without a copy.

Ollama keeps `<models>/manifests/<host>/<namespace>/<model>/<tag>` (JSON, Docker v2 schema)
and content-addressed `<models>/blobs/sha256-<hex>`; the layer of media type
`application/vnd.ollama.image.model` is a plain GGUF. The store is `$OLLAMA_MODELS`, else
`~/.ollama/models` (or the Linux service's `/usr/share/ollama/.ollama/models`).

Models are listed under the names Ollama shows: `llama3.2:latest` for the default
registry and `library` namespace, `namespace/model:tag` for other namespaces, and
`host/namespace/model:tag` for other hosts (`hf.co/owner/repo:Q4_K_M`). Lookups accept a
name without a tag (`llama3.2` means `llama3.2:latest`) and ignore case, as Ollama does.
Nothing here writes to the store: llmspell only reads manifests and opens blobs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import attrs

MODEL_LAYER = "application/vnd.ollama.image.model"
DEFAULT_HOST = "registry.ollama.ai"
DEFAULT_NAMESPACE = "library"
_SERVICE_STORE = Path("/usr/share/ollama/.ollama/models")


@attrs.frozen
class OllamaModel:
    name: str
    blob: Path
    size: int
    manifest_path: Path
    modified_at: float
    #: From Ollama's config blob: file_type (quantization), model_family, model_type, ...
    config: dict[str, Any] = attrs.field(factory=dict)

    @property
    def quantization(self) -> str | None:
        return self.config.get("file_type") or None


def store_root() -> Path | None:
    """Where Ollama keeps its models here, or None when there is no store."""
    env = os.environ.get("OLLAMA_MODELS")
    if env:
        return Path(env).expanduser()
    for candidate in (Path.home() / ".ollama" / "models", _SERVICE_STORE):
        if (candidate / "manifests").is_dir():
            return candidate
    return None


def display_name(host: str, namespace: str, model: str, tag: str) -> str:
    if host == DEFAULT_HOST:
        base = model if namespace == DEFAULT_NAMESPACE else f"{namespace}/{model}"
    else:
        base = f"{host}/{namespace}/{model}"
    return f"{base}:{tag}"


def normalize(name: str) -> str:
    """The key a name is looked up by: lower case, `:latest` when there is no tag."""
    last = name.rpartition("/")[2]
    return (name if ":" in last else f"{name}:latest").lower()


class OllamaStore:
    """A read-only view of Ollama's model store."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else store_root()

    def models(self) -> list[OllamaModel]:
        if self.root is None:
            return []
        manifests = self.root / "manifests"
        found: list[OllamaModel] = []
        try:
            paths = sorted(p for p in manifests.glob("*/*/*/*") if p.is_file())
        except OSError:
            return []
        for path in paths:
            model = self._read(path)
            if model is not None:
                found.append(model)
        return found

    def find(self, name: str) -> OllamaModel | None:
        key = normalize(name)
        return next((m for m in self.models() if m.name.lower() == key), None)

    def _read(self, path: Path) -> OllamaModel | None:
        """One manifest, or None when it does not describe a GGUF that is here."""
        assert self.root is not None
        tag, model = path.name, path.parent.name
        namespace, host = path.parent.parent.name, path.parent.parent.parent.name
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
            layer = next(lay for lay in manifest["layers"] if lay.get("mediaType") == MODEL_LAYER)
            blob = self.root / "blobs" / layer["digest"].replace(":", "-")
            with open(blob, "rb") as fh:
                if fh.read(4) != b"GGUF":
                    return None  # safetensors / MLX models: not for llama.cpp
            size = blob.stat().st_size
            modified = path.stat().st_mtime
        except (OSError, ValueError, KeyError, TypeError, StopIteration, AttributeError):
            return None
        return OllamaModel(
            name=display_name(host, namespace, model, tag),
            blob=blob,
            size=size,
            manifest_path=path,
            modified_at=modified,
            config=self._config(manifest),
        )

    def _config(self, manifest: dict[str, Any]) -> dict[str, Any]:
        assert self.root is not None
        try:
            digest = manifest["config"]["digest"]
            raw = json.loads((self.root / "blobs" / digest.replace(":", "-")).read_text("utf-8"))
        except (OSError, ValueError, KeyError, TypeError):
            return {}
        return raw if isinstance(raw, dict) else {}
