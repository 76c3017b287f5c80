"""Hook implementations: registers the GGUF backend type (nothing heavy is imported here)."""

from __future__ import annotations

import llmspell


@llmspell.hookimpl
def llmspell_register_backends(register) -> None:
    from .backend import GgufBackend

    register(GgufBackend)
