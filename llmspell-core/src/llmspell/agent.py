"""An agent: a model plus a system prompt, default parameters and a remembered conversation."""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from .backend import TextGenerator
from .inference import (
    CompletionRequest,
    CompletionResult,
    GenerationParams,
    Message,
    StreamChunk,
)

#: Rough characters per token, to keep history inside the context without tokenizing.
_CHARS_PER_TOKEN = 3
_DEFAULT_REPLY_BUDGET = 512


@attrs.define
class Agent:
    generator: TextGenerator
    name: str = "agent"
    system_prompt: str | None = None
    params: GenerationParams = attrs.field(factory=GenerationParams)
    history: list[Message] = attrs.field(factory=list)
    #: Whether calls remember earlier turns (a chat), or each call stands alone.
    remember: bool = True
    #: What fills parameters nobody chose: llmspell's `DEFAULT_PARAMS`, or nothing when the
    #: backend leaves them to its server (`Backend.server_defaults`).
    defaults: GenerationParams = attrs.field(factory=GenerationParams)

    @property
    def provider(self) -> TextGenerator:
        """The name `generator` had before 0.2."""
        return self.generator

    @property
    def model(self) -> str:
        return self.generator.model

    def reset(self) -> None:
        """Forget the conversation."""
        self.history.clear()

    def execute(self, text: str, params: GenerationParams | None = None) -> CompletionResult:
        request = self._request(text, params)
        result = self.generator.complete(request)
        self._remember(text, result.text)
        return result

    def complete(self, text: str, params: GenerationParams | None = None) -> str:
        return self.execute(text, params).text

    def stream(self, text: str, params: GenerationParams | None = None) -> Iterator[StreamChunk]:
        """Yield chunks as they come; the conversation records the reply once it is complete."""
        request = self._request(text, params)
        for chunk in self.generator.stream(request):
            if chunk.done and chunk.result is not None:
                self._remember(text, chunk.result.text)
            yield chunk

    def _request(self, text: str, params: GenerationParams | None) -> CompletionRequest:
        merged = self.defaults.merged(self.params).merged(params)
        head = [Message("system", self.system_prompt)] if self.system_prompt else []
        turns = self._fit(head, [*self.history, Message("user", text)], merged)
        return CompletionRequest([*head, *turns], merged)

    def _fit(
        self, head: list[Message], turns: list[Message], params: GenerationParams
    ) -> list[Message]:
        """Drop the oldest turns until the prompt plus the reply fits the model's context."""
        context = getattr(self.generator, "context_length", 0) or 0
        if not context:
            return turns
        budget = context - (params.max_tokens or _DEFAULT_REPLY_BUDGET)
        cost = lambda ms: sum(len(m.content) // _CHARS_PER_TOKEN + 4 for m in ms)  # noqa: E731
        while len(turns) > 1 and cost(head) + cost(turns) > budget:
            turns = turns[2:] if len(turns) > 2 else turns[1:]
        return turns

    def _remember(self, text: str, reply: str) -> None:
        if self.remember:
            self.history += [Message("user", text), Message("assistant", reply)]
