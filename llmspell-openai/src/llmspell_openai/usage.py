"""Token counts as the server reported them; unknown when it did not report any."""

from __future__ import annotations

from typing import Any

from llmspell import TokenUsage


def token_usage(usage: Any) -> TokenUsage:
    return TokenUsage(usage.prompt_tokens, usage.completion_tokens)


def unknown_usage() -> TokenUsage:
    """The core's 'unknown' usage (all fields None) once it has one; zeros before that."""
    try:
        return TokenUsage(None, None)  # type: ignore[arg-type]
    except Exception:  # pragma: no cover - core without unknown usage
        return TokenUsage()
