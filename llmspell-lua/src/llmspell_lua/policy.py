"""Where a sandboxed script may pull from: the backends' default registries only.

A model name can carry a registry host (`ollama/evil.example.com/ns/model`): Ollama would
then contact that host, and whatever the script put in the name would leave the machine.
Without `--allow-unsafe`, a name of three or more segments must start with a default
registry. The spec is parsed with `Manager.parse`, the same parse `Manager.pull` uses, so
what is checked is what would be pulled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import llmspell
from llmspell import BadInputError

#: The Ollama library and the Hugging Face hub (the GGUF backend's `HF_ENDPOINT` applies).
DEFAULT_REGISTRIES = frozenset({"registry.ollama.ai", "ollama.com", "hf.co", "huggingface.co"})


def check_pull_host(manager: llmspell.Manager, spec: Any, where: str) -> None:
    """Refuse a spec whose model names a registry host other than the default ones."""
    if not isinstance(spec, str):
        return  # the bridge names the wrong type itself
    segments = manager.parse(spec).model.split("/")
    if len(segments) >= 3 and segments[0].lower() not in DEFAULT_REGISTRIES:
        raise BadInputError(
            f"{where}: {spec!r} names the registry host {segments[0]!r}, and a sandboxed "
            "script may pull only from the default registries (the Ollama library, "
            "Hugging Face); run with --allow-unsafe to pull from other hosts."
        )


def checked_pull(manager: llmspell.Manager, bridge: Any) -> Callable[..., Any]:
    """`LocalLLM.pull` for sandboxed scripts: the host check, then the real pull."""

    def pull(spec: Any, opts: Any = None) -> Any:
        check_pull_host(manager, spec, "LocalLLM.pull")
        return bridge.pull(spec, opts)

    return pull
