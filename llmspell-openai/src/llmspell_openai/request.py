"""llmspell's request in OpenAI chat-completion terms.

The OpenAI API has `temperature`, `top_p`, `max_tokens`, `seed` and `stop`. llmspell's other
sampling parameters go as extra body fields under the names the engines read: `top_k` and
`min_p` (vLLM, SGLang, llama-server, llama-cpp-python, LM Studio), `repeat_penalty`
(llama.cpp's name) and `repetition_penalty` (vLLM's and SGLang's). Engines ignore fields
they do not know; a server that refuses them (the OpenAI service answers HTTP 400) gets the
request again without them, see `provider`.
"""

from __future__ import annotations

from typing import Any

from llmspell import CompletionRequest, GenerationParams

#: llmspell parameter → OpenAI API field.
_STANDARD = {
    "temperature": "temperature",
    "top_p": "top_p",
    "max_tokens": "max_tokens",
    "seed": "seed",
}
#: llmspell parameter → the extra body fields engines read for it.
EXTRAS = {
    "top_k": ("top_k",),
    "min_p": ("min_p",),
    "repeat_penalty": ("repeat_penalty", "repetition_penalty"),
}
#: Optional request fields a server may refuse (then dropped for that server).
OPTIONAL_FIELDS = ("stream_options", *(f for names in EXTRAS.values() for f in names))


def chat_messages(request: CompletionRequest) -> list[dict[str, str]]:
    return [{"role": m.role, "content": m.content} for m in request.messages]


def chat_arguments(
    model: str,
    request: CompletionRequest,
    *,
    stream: bool,
    extras: bool,
    stream_usage: bool,
    rejected: set[str],
) -> dict[str, Any]:
    """Keyword arguments for `client.chat.completions.create`; unset parameters are left out
    (the server's defaults apply), as are fields this server has refused before."""
    params: GenerationParams = request.params
    args: dict[str, Any] = {"model": model, "messages": chat_messages(request), "stream": stream}
    for ours, theirs in _STANDARD.items():
        value = getattr(params, ours, None)
        if value is not None:
            args[theirs] = value
    if params.stop:
        args["stop"] = list(params.stop)
    if stream and stream_usage and "stream_options" not in rejected:
        args["stream_options"] = {"include_usage": True}
    body: dict[str, Any] = {}
    if extras:
        for ours, names in EXTRAS.items():
            value = getattr(params, ours, None)
            if value is not None:
                body.update({n: value for n in names if n not in rejected})
    if body:
        args["extra_body"] = body
    return args


def refused_fields(message: str, args: dict[str, Any]) -> set[str]:
    """Which optional fields we sent does a 400/422 message name?"""
    sent = set(args.get("extra_body", {}))
    if "stream_options" in args:
        sent.add("stream_options")
    return {f for f in sent if f in message}
