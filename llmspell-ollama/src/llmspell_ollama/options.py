"""`[providers.ollama.options]`: what llmspell may ask of an Ollama server."""

from __future__ import annotations

import attrs


def _positive(_inst, attribute, value) -> None:
    if value is not None and not value > 0:
        raise ValueError(f"expected {attribute.name} to be more than 0, got {value}")


@attrs.define(kw_only=True)
class OllamaOptions:
    #: Start `ollama serve` in the background when the server is down and the binary is on PATH.
    auto_start: bool = False
    #: How long to wait for an auto-started server to answer.
    start_timeout_seconds: float = attrs.field(default=20.0, validator=_positive)
    #: How long to wait for a TCP connection: a dead host costs this, not a hang.
    connect_timeout_seconds: float = attrs.field(default=1.0, validator=_positive)
    #: How long Ollama keeps a model loaded after a request ("5m", "1h", "0" to unload at once,
    #: "-1m" for ever); unset means the server's default (5 minutes).
    keep_alive: str | None = None
    #: Context window Ollama allocates (`num_ctx`); unset means the model's or server's default.
    num_ctx: int | None = attrs.field(default=None, validator=_positive)
    #: CPU threads for generation (`num_thread`); unset lets the server choose.
    num_thread: int | None = attrs.field(default=None, validator=_positive)
