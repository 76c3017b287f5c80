"""Where a sandboxed script may pull from: the backends' default registries only.

A model name can carry a registry host (`ollama/evil.example.com/ns/model`): Ollama would
then contact that host, and whatever the script put in the name would leave the machine.
Without `--allow-unsafe`, a name of three or more segments must start with a default
registry, or a host listed in `pull_hosts` under `[lua]`. The spec is parsed with
`Manager.parse`, the same parse `Manager.pull` uses, so what is checked is what is pulled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import llmspell
from llmspell import BadInputError

#: The Ollama library and the Hugging Face hub (the GGUF backend's `HF_ENDPOINT` applies).
DEFAULT_REGISTRIES = frozenset({"registry.ollama.ai", "ollama.com", "hf.co", "huggingface.co"})


def allowed_hosts(manager: llmspell.Manager) -> frozenset[str]:
    """The default registries plus `pull_hosts` from the config's `[lua]` table."""
    table = getattr(manager.config, "lua", None) or {}
    extra = table.get("pull_hosts", [])
    if not isinstance(extra, list) or not all(isinstance(h, str) and h for h in extra):
        raise BadInputError(
            f"pull_hosts under [lua] in {manager.config.source} must be a list of host names, "
            'e.g. pull_hosts = ["registry.example.com"].'
        )
    return DEFAULT_REGISTRIES | {h.lower() for h in extra}


def check_pull_host(manager: llmspell.Manager, spec: Any, where: str) -> None:
    """Refuse a spec whose model names a registry host other than the allowed ones."""
    if not isinstance(spec, str):
        return  # the bridge names the wrong type itself
    segments = manager.parse(spec).model.split("/")
    if len(segments) >= 3 and segments[0].lower() not in allowed_hosts(manager):
        raise BadInputError(
            f"{where}: {spec!r} names the registry host {segments[0]!r}, and a sandboxed "
            "script may pull only from the default registries (the Ollama library, "
            "Hugging Face); run with --allow-unsafe to pull from other hosts, or list the "
            "host in pull_hosts under [lua] in llmspell.toml."
        )


def checked_pull(manager: llmspell.Manager, bridge: Any) -> Callable[..., Any]:
    """`LocalLLM.pull` for sandboxed scripts: the host check, then the real pull."""

    def pull(spec: Any, opts: Any = None) -> Any:
        check_pull_host(manager, spec, "LocalLLM.pull")
        return bridge.pull(spec, opts)

    return pull
