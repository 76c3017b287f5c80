"""A complete llmspell provider plugin: a backend whose one model echoes the last message."""

import time

import llmspell
from llmspell import CompletionResult, HealthStatus, LocalModel, StreamChunk, TokenUsage


class EchoProvider(llmspell.StreamingProvider):
    model, context_length = "echo", 2048

    def __init__(self, backend):
        self.backend = backend

    def stream(self, request):
        start, words = time.perf_counter(), request.messages[-1].content.split()
        for word in words:
            yield StreamChunk(word + " ")
        text = " ".join(words) + " "
        usage = TokenUsage(
            prompt=sum(len(m.content.split()) for m in request.messages), completion=len(words)
        )
        result = CompletionResult(
            text, "echo", self.backend, "stop", usage, (time.perf_counter() - start) * 1000
        )
        yield StreamChunk("", done=True, result=result)


class EchoBackend(llmspell.Backend):
    type_name, priority = "echo", 900

    def health(self):
        return HealthStatus(self.name, healthy=True, version="1.0", model_count=1)

    def list_models(self):
        return [LocalModel("echo", self.name)]

    def provider(self, model):
        if model != "echo":
            raise llmspell.ModelNotFoundError(f"The echo backend only has 'echo', not {model!r}.")
        return EchoProvider(self.name)


@llmspell.hookimpl
def llmspell_register_backends(register):
    register(EchoBackend)
