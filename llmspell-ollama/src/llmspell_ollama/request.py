"""llmspell's request in Ollama's terms: chat messages and the `options` map."""

from __future__ import annotations

from typing import Any

from llmspell import CompletionRequest, GenerationParams

from .options import OllamaOptions

#: llmspell parameter → Ollama option (docs/modelfile.md "Valid parameters and values").
_OPTION_NAMES = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "repeat_penalty": "repeat_penalty",
    "seed": "seed",
    "max_tokens": "num_predict",
}


def chat_messages(request: CompletionRequest) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.content} for m in request.messages]


def chat_options(params: GenerationParams, options: OllamaOptions) -> dict[str, Any]:
    """Only what is set: anything left out keeps the model's Modelfile defaults."""
    out: dict[str, Any] = {
        theirs: getattr(params, ours)
        for ours, theirs in _OPTION_NAMES.items()
        if getattr(params, ours) is not None
    }
    if params.stop:
        out["stop"] = list(params.stop)
    if options.num_ctx:
        out["num_ctx"] = options.num_ctx
    if options.num_thread:
        out["num_thread"] = options.num_thread
    return out
