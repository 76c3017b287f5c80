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


@attrs.define(kw_only=True)
class GgufOptions:
    model_directory: str | None = None  # default: $LLMSPELL_HOME/models/gguf
    device: Device = "auto"
    cpu_threads: int = 0  # 0: all physical cores, for generation and prompt processing
    context_size: int = 4096
    batch_size: int = 512
    default_quantization: str = "Q4_K_M"
    max_concurrent: int = 1
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
    def from_config(cls, config: Config) -> GgufOptions:
        return config.provider_options("gguf", cls)
