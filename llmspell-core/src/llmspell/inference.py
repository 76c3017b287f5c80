"""What goes into a generation and what comes out, identical for every backend."""

from __future__ import annotations

import math
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


def _number(name: str, *, low: float, low_ok: bool, high: float | None = None, rule: str):
    """A converter that accepts finite real numbers within range, or None; else one sentence."""

    def convert(value: Any) -> float | None:
        if value is None:
            return None
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        number = float(value) if ok else math.nan
        if not (
            math.isfinite(number)
            and (number >= low if low_ok else number > low)
            and (high is None or number <= high)
        ):
            raise BadInputError(f"{name} must be {rule}, got {_show(value)}.")
        return number

    return convert


def _integer(name: str, *, low: int | None, rule: str):
    """A converter that accepts whole numbers (2.0 counts as 2) at or above `low`, or None."""

    def convert(value: Any) -> int | None:
        if value is None:
            return None
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not ok or not math.isfinite(value) or value != int(value):
            raise BadInputError(f"{name} must be {rule}, got {_show(value)}.")
        number = int(value)
        if low is not None and number < low:
            raise BadInputError(f"{name} must be {rule}, got {_show(value)}.")
        return number

    return convert


def _show(value: Any) -> str:
    if isinstance(value, (bool, int, float, str)) or value is None:
        return repr(value) if isinstance(value, str) else str(value).lower()
    return f"a {type(value).__name__}"


def _to_stop(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    stops = (value,) if isinstance(value, str) else value
    if not isinstance(stops, (list, tuple)) or not all(isinstance(s, str) for s in stops):
        raise BadInputError(f"stop must be a string or a list of strings, got {_show(value)}.")
    return tuple(stops)


@attrs.frozen
class GenerationParams:
    """Sampling parameters; `None` means "not chosen here".

    A field left None takes the agent's value, then llmspell's own default
    (`DEFAULT_PARAMS`), which the core applies the same way for every backend, unless the
    backend declares `server_defaults` (then the server's model configuration decides).
    Values are checked here, once, for every front end: a bad one raises `BadInputError`
    with one sentence naming the field.
    """

    temperature: float | None = attrs.field(
        default=None,
        converter=_number("temperature", low=0, low_ok=True, rule="a finite number, 0 or more"),
    )
    top_p: float | None = attrs.field(
        default=None,
        converter=_number("top_p", low=0, low_ok=True, high=1, rule="between 0 and 1"),
    )
    top_k: int | None = attrs.field(
        default=None, converter=_integer("top_k", low=0, rule="a whole number, 0 or more")
    )
    repeat_penalty: float | None = attrs.field(
        default=None,
        converter=_number(
            "repeat_penalty", low=0, low_ok=False, rule="above 0 (1.0 turns the penalty off)"
        ),
    )
    max_tokens: int | None = attrs.field(
        default=None, converter=_integer("max_tokens", low=1, rule="a whole number, 1 or more")
    )
    seed: int | None = attrs.field(
        default=None, converter=_integer("seed", low=None, rule="a whole number")
    )
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

    def to_dict(self) -> dict[str, Any]:
        """Every field; `stop` as a list."""
        return {**attrs.asdict(self), "stop": list(self.stop)}


#: llmspell's sampling defaults, for every backend that does not leave them to its server.
#: `seed` None means a random seed; `stop` none.
DEFAULT_PARAMS = GenerationParams(
    temperature=0.7, top_p=0.95, top_k=40, repeat_penalty=1.1, max_tokens=512
)


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
    #: The backend instance that generated it (its name: the type's default or a table's name).
    provider: str
    finish_reason: FinishReason = "stop"
    usage: TokenUsage = attrs.field(factory=TokenUsage)
    latency_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """`text`, `model`, `provider` (the backend instance), `finish_reason`, `tokens`
        (TokenUsage dict), `latency_ms`: the shape of Lua's `r.metadata` plus `text`."""
        return {
            "text": self.text,
            "model": self.model,
            "provider": self.provider,
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
    raise RuntimeError("a generator's stream ended without its final chunk")
