"""`[providers.gguf.options]`, typed: what the GGUF backend can be told in `llmspell.toml`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import attrs
from llmspell import Config
from llmspell.paths import llmspell_home

Device = Literal["auto", "cpu", "cuda", "metal"]


@attrs.define(kw_only=True)
class CatalogOverride:
    """A catalog entry added from config: a name mapped to a Hugging Face repo and files."""

    repo: str
    files: dict[str, str]  # quantization -> file name in the repo
    size_bytes: int | None = None
    description: str = ""
    recommended: bool = False


def _at_least(minimum: int, meaning: str = ""):
    def check(_inst, attribute, value: int) -> None:
        if value < minimum:
            wanted = meaning or f"at least {minimum}"
            raise ValueError(f"expected {attribute.name} to be {wanted}, got {value}")

    return check


@attrs.define(kw_only=True)
class GgufOptions:
    model_directory: str | None = None  # default: $LLMSPELL_HOME/models/gguf
    device: Device = "auto"
    #: 0: all physical cores, for generation and prompt processing.
    cpu_threads: int = attrs.field(default=0, validator=_at_least(0, "0 (auto) or more"))
    #: 0: the model's training context; larger values are clamped to it.
    context_size: int = attrs.field(default=4096, validator=_at_least(0, "0 (the model's) or more"))
    batch_size: int = attrs.field(default=512, validator=_at_least(1))
    default_quantization: str = "Q4_K_M"
    #: Generations running at once across the backend; 0: no bound beyond `parallel`.
    max_concurrent: int = attrs.field(default=0, validator=_at_least(0, "0 (no limit) or more"))
    #: Sequences one loaded model decodes together (continuous batching, one KV cache).
    parallel: int = attrs.field(default=8, validator=_at_least(1))
    flash_attention: bool = True
    #: Also list models Ollama has downloaded (read-only) as runnable here.
    use_ollama_models: bool = True
    catalog: dict[str, CatalogOverride] = attrs.field(factory=dict)

    @property
    def model_dir(self) -> Path:
        if self.model_directory:
            return Path(self.model_directory).expanduser()
        return llmspell_home() / "models" / "gguf"

    @classmethod
    def from_config(cls, config: Config, name: str = "gguf") -> GgufOptions:
        """Backend `name`'s options, typed (for tools that load models without a manager)."""
        return config.settings(name, "gguf", cls).options
