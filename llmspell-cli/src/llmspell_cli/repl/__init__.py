"""The interactive chat (`llmspell chat MODEL` on a terminal); imports prompt_toolkit."""

from .session import run_repl

__all__ = ["run_repl"]
