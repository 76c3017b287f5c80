"""Token counts as the server reported them; unknown when it did not report any."""

from __future__ import annotations

from typing import Any

from llmspell import TokenUsage


def token_usage(usage: Any) -> TokenUsage:
    return TokenUsage(usage.prompt_tokens, usage.completion_tokens)


def unknown_usage() -> TokenUsage:
    """The core's "unknown" usage (fields None) where the core has one, else zeros."""
    try:
        unknown = TokenUsage(None, None)  # type: ignore[arg-type]
        unknown.total  # noqa: B018 - a core without unknown usage fails here
        return unknown
    except TypeError:
        return TokenUsage()
