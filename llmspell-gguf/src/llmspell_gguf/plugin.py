"""Hook implementations: registers the GGUF backend (nothing heavy is imported here)."""

from __future__ import annotations

import llmspell


@llmspell.hookimpl
def llmspell_register_backends(register, config) -> None:
    from .backend import GgufBackend
    from .options import GgufOptions

    register(GgufBackend(GgufOptions.from_config(config)))
