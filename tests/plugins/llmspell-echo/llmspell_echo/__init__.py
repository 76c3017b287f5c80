"""A complete llmspell backend plugin: one whose one model echoes the last message."""

import time

import llmspell
from llmspell import CompletionResult, HealthStatus, LocalModel, StreamChunk, TokenUsage


class EchoGenerator(llmspell.StreamingGenerator):
    model, context_length = "echo", 2048

    def __init__(self, backend):
        self.backend = backend

    def stream(self, request):
        start, words = time.perf_counter(), request.messages[-1].content.split()
        reply = words[: request.params.max_tokens]  # one word is one token here
        for word in reply:
            yield StreamChunk(word + " ")
        usage = TokenUsage(
            prompt=sum(len(m.content.split()) for m in request.messages), completion=len(reply)
        )
        finish = "length" if len(reply) < len(words) else "stop"
        result = CompletionResult(
            " ".join(reply) + " ", "echo", self.backend, finish, usage,
            (time.perf_counter() - start) * 1000,
        )  # fmt: skip
        yield StreamChunk("", done=True, result=result)


class EchoBackend(llmspell.Backend):
    type_name, priority = "echo", 900

    def health(self):
        return HealthStatus(self.name, healthy=True, version="1.0", model_count=1)

    def list_models(self):
        return [LocalModel("echo", self.name)]

    def generator(self, model):
        if model != "echo":
            raise llmspell.ModelNotFoundError(f"The echo backend only has 'echo', not {model!r}.")
        return EchoGenerator(self.name)


@llmspell.hookimpl
def llmspell_register_backends(register):
    register(EchoBackend)
