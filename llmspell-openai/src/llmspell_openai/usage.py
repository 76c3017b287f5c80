"""Token counts as the server reported them; unknown (None) when it did not report any."""

from __future__ import annotations

from typing import Any

from llmspell import TokenUsage


def token_usage(usage: Any) -> TokenUsage:
    return TokenUsage(usage.prompt_tokens, usage.completion_tokens)


def unknown_usage() -> TokenUsage:
    return TokenUsage(None, None)
