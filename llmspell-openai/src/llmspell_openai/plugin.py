"""Hook implementation: the `openai` backend type, one instance per configured table."""

from __future__ import annotations

from llmspell import hookimpl


@hookimpl
def llmspell_register_backends(register) -> None:
    from .backend import OpenAIBackend

    register(OpenAIBackend)
