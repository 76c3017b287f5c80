"""A GGUF model as an llmspell `Provider`: messages in, streamed text and a result out."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import attrs
from llmspell import (
    CompletionRequest,
    CompletionResult,
    InferenceError,
    LlmspellError,
    StreamChunk,
    TokenUsage,
)

from . import loader, prompt
from .batching import ModelClosedError
from .concurrency import GenerationSlots
from .generation import Outcome, generate
from .loader import LoadOptions
from .sampling import Sampling

BACKEND = "gguf"


@attrs.define
class _Run:
    result: CompletionResult | None = None


class GgufProvider:
    """Loads its file on creation (errors show up when the agent is made, not mid-chat)."""

    def __init__(
        self,
        model: str,
        path: str | Path,
        options: LoadOptions,
        slots: GenerationSlots | None = None,
    ) -> None:
        self.model = model
        self.path = Path(path)
        self.options = options
        self.slots = slots or GenerationSlots(0)
        loaded = loader.acquire(self.path, options)
        self.context_length: int = loaded.n_ctx
        #: False for a base model without a chat template: messages are sent as plain text.
        self.chat_template: bool = prompt.uses_chat_template(loaded)

    def stream(self, request: CompletionRequest) -> Iterator[StreamChunk]:
        run = _Run()
        for text in self._texts(request, run):
            yield StreamChunk(text)
        yield StreamChunk("", done=True, result=run.result)

    def complete(self, request: CompletionRequest) -> CompletionResult:
        run = _Run()
        for _ in self._texts(request, run):
            pass
        assert run.result is not None
        return run.result

    def _texts(self, request: CompletionRequest, run: _Run) -> Iterator[str]:
        started = time.perf_counter()
        sampling = Sampling.from_params(request.params)
        outcome = Outcome()
        pieces: list[str] = []
        ticket = self.slots.acquire()
        try:
            try:
                for text in self._generate(request, sampling, outcome):
                    pieces.append(text)
                    yield text
            except LlmspellError:
                raise
            except Exception as exc:
                raise InferenceError(f"Generation with {self.model} failed: {exc}") from exc
        finally:
            self.slots.release(ticket)
        run.result = CompletionResult(
            text="".join(pieces),
            model=self.model,
            provider=BACKEND,
            finish_reason=outcome.finish_reason,  # type: ignore[arg-type]
            usage=TokenUsage(outcome.prompt_tokens, outcome.completion_tokens),
            latency_ms=(time.perf_counter() - started) * 1000.0,
        )

    def _generate(
        self, request: CompletionRequest, sampling: Sampling, outcome: Outcome
    ) -> Iterator[str]:
        """The reply's pieces: a sequence on the loaded model (loaded again if it was
        unloaded meanwhile), decoded in the model's shared batch."""
        while True:
            model = loader.acquire(self.path, self.options)
            tokens = prompt.tokenize(model, request.messages)
            try:
                return generate(model, tokens, sampling, outcome)
            except ModelClosedError:
                continue
