"""Hook implementations: the Ollama backend and the `model install-ollama` command.

Kept import-cheap: this module is loaded on every `llmspell` command, `--help` included,
so `ollama` and `httpx` are imported only when the backend is first used.
"""

from __future__ import annotations

from typing import Any

from llmspell import hookimpl


@hookimpl
def llmspell_register_backends(register) -> None:
    from .backend import OllamaBackend

    register(OllamaBackend)


@hookimpl
def llmspell_register_commands(app: Any) -> None:
    from .install import install_ollama

    # The CLI creates the `model` group before calling this hook; stand alone without it.
    target = app
    if "model" in app:
        target = app["model"]
    target.command(install_ollama, name="install-ollama")
