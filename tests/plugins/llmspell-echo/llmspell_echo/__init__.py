"""A complete llmspell provider plugin: a backend whose one model echoes the last message."""

import time

import llmspell
from llmspell import CompletionResult, HealthStatus, LocalModel, StreamChunk, TokenUsage


class EchoProvider(llmspell.StreamingProvider):
    model, context_length = "echo", 2048

    def stream(self, request):
        start, words = time.perf_counter(), request.messages[-1].content.split()
        for word in words:
            yield StreamChunk(word + " ")
        text = " ".join(words) + " "
        usage = TokenUsage(
            prompt=sum(len(m.content.split()) for m in request.messages), completion=len(words)
        )
        result = CompletionResult(
            text, "echo", "echo", "stop", usage, (time.perf_counter() - start) * 1000
        )
        yield StreamChunk("", done=True, result=result)


class EchoBackend(llmspell.Backend):
    name, priority = "echo", 900

    def health(self):
        return HealthStatus("echo", healthy=True, version="1.0", model_count=1)

    def list_models(self):
        return [LocalModel("echo", "echo")]

    def provider(self, model):
        if model != "echo":
            raise llmspell.ModelNotFoundError(f"The echo backend only has 'echo', not {model!r}.")
        return EchoProvider()


@llmspell.hookimpl
def llmspell_register_backends(register, config):
    register(EchoBackend())
