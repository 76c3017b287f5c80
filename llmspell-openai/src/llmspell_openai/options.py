"""`[providers.NAME.options]` of an OpenAI-compatible server table."""

from __future__ import annotations

import attrs


@attrs.define(kw_only=True, frozen=True)
class OpenAIOptions:
    #: Extra HTTP headers sent with every request (a gateway's routing or tenant header).
    headers: dict[str, str] = attrs.field(factory=dict)
    #: Retries of the `openai` client on connection errors, 408, 409, 429 and 5xx answers.
    max_retries: int = 2
    #: How long to wait for a TCP connection: a dead host costs this, not a hang.
    connect_timeout_seconds: float = 2.0
    #: Send `top_k`, `min_p` and `repeat_penalty` (which the OpenAI API lacks) as extra body
    #: fields; servers that reject them get the request again without them.
    sampling_extras: bool = True
    #: Ask for token usage at the end of a stream (`stream_options.include_usage`).
    stream_usage: bool = True
    #: The context window to report when the server does not say (tokens).
    context_length: int | None = None
