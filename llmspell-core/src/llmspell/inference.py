"""What goes into a generation and what comes out, identical for every backend."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Literal

import attrs

from .errors import BadInputError

Role = Literal["system", "user", "assistant"]
#: Why generation ended. An open set of strings: the common values are "stop" (the model
#: finished or a stop sequence matched) and "length" (`max_tokens` or the context was
#: reached); a backend may pass on others its server reports (e.g. "content_filter").
FinishReason = str


@attrs.frozen
class Message:
    role: Role
    content: str


def _check_probability(name: str):
    def check(_inst, _attr, value):
        if value is not None and not 0.0 <= value <= 1.0:
            raise BadInputError(f"{name} must be between 0 and 1, got {value!r}.")

    return check


def _check_non_negative(name: str):
    def check(_inst, _attr, value):
        if value is not None and value < 0:
            raise BadInputError(f"{name} must not be negative, got {value!r}.")

    return check


def _to_stop(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@attrs.frozen
class GenerationParams:
    """Sampling parameters; `None` means the backend's default (llmspell's, not the engine's)."""

    temperature: float | None = attrs.field(
        default=None, validator=_check_non_negative("temperature")
    )
    top_p: float | None = attrs.field(default=None, validator=_check_probability("top_p"))
    top_k: int | None = attrs.field(default=None, validator=_check_non_negative("top_k"))
    repeat_penalty: float | None = attrs.field(
        default=None, validator=_check_non_negative("repeat_penalty")
    )
    max_tokens: int | None = attrs.field(default=None, validator=_check_non_negative("max_tokens"))
    seed: int | None = None
    stop: tuple[str, ...] = attrs.field(default=(), converter=_to_stop)

    def merged(self, override: GenerationParams | None) -> GenerationParams:
        """`override`'s set fields win: an agent's defaults under a call's explicit choices."""
        if override is None:
            return self
        changes = {
            f.name: getattr(override, f.name)
            for f in attrs.fields(GenerationParams)
            if getattr(override, f.name) not in (None, ())
        }
        return attrs.evolve(self, **changes)


@attrs.frozen
class CompletionRequest:
    """A whole conversation: backends render it with the model's chat template."""

    messages: tuple[Message, ...] = attrs.field(converter=tuple)
    params: GenerationParams = attrs.field(factory=GenerationParams)

    @classmethod
    def from_text(
        cls, text: str, system: str | None = None, params: GenerationParams | None = None
    ) -> CompletionRequest:
        messages = [Message("system", system)] if system else []
        messages.append(Message("user", text))
        return cls(messages, params or GenerationParams())

    @property
    def system(self) -> str | None:
        return next((m.content for m in self.messages if m.role == "system"), None)


@attrs.frozen
class TokenUsage:
    """Token counts of one generation; None where the backend does not report them."""

    prompt: int | None = None
    completion: int | None = None

    @property
    def total(self) -> int | None:
        if self.prompt is None or self.completion is None:
            return None
        return self.prompt + self.completion

    def to_dict(self) -> dict[str, int | None]:
        """`prompt`, `completion`, `total` (each None when unknown)."""
        return {"prompt": self.prompt, "completion": self.completion, "total": self.total}


@attrs.frozen
class CompletionResult:
    """A finished generation: the text and what is known about how it was made."""

    text: str
    model: str
    #: The backend instance that generated it (its name, e.g. "gguf" or a table's name).
    provider: str
    finish_reason: FinishReason = "stop"
    usage: TokenUsage = attrs.field(factory=TokenUsage)
    latency_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """`text`, `model`, `backend`, `finish_reason`, `tokens` (TokenUsage dict),
        `latency_ms`."""
        return {
            "text": self.text,
            "model": self.model,
            "backend": self.provider,
            "finish_reason": self.finish_reason,
            "tokens": self.usage.to_dict(),
            "latency_ms": self.latency_ms,
        }


@attrs.frozen
class StreamChunk:
    """A piece of text as it is generated; the last chunk has `done` and the full `result`."""

    text: str
    done: bool = False
    result: CompletionResult | None = None


def collect(chunks: Iterator[StreamChunk]) -> CompletionResult:
    """Drain a stream into its final result, for backends that only implement streaming."""
    for chunk in chunks:
        if chunk.done and chunk.result is not None:
            return chunk.result
    raise RuntimeError("a provider stream ended without its final chunk")
