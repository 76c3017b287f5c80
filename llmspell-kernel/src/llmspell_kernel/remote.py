"""`llmspell chat --connect`: an agent whose model is the kernel's.

`RemoteAgent` has what the chat commands use of `llmspell.Agent` (`model`, `params`,
`system_prompt`, `history`, `stream`, `execute`, `complete`, `reset`), keeping the
conversation here and sending it whole with each turn as an `agent_request`; the kernel
answers with the model it already has loaded, streaming the text as iopub `stream`
messages, and replies with the `CompletionResult`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import attrs
from llmspell import CompletionResult, GenerationParams, Message, StreamChunk, TokenUsage

from . import client


def _params_dict(params: GenerationParams) -> dict[str, Any]:
    return {
        f.name: list(v) if isinstance(v, tuple) else v
        for f in attrs.fields(GenerationParams)
        if (v := getattr(params, f.name)) not in (None, ())
    }


def completion_result(data: dict[str, Any]) -> CompletionResult:
    """A `CompletionResult` from its `to_dict()` form."""
    tokens = data.get("tokens") or {}
    return CompletionResult(
        text=data["text"],
        model=data["model"],
        provider=data.get("provider", data.get("backend", "")),
        finish_reason=data.get("finish_reason", "stop"),
        usage=TokenUsage(tokens.get("prompt"), tokens.get("completion")),
        latency_ms=data.get("latency_ms", 0.0),
    )


@attrs.define
class RemoteAgent:
    connection: client.Connection
    spec: str
    model: str
    name: str = "chat"
    system_prompt: str | None = None
    params: GenerationParams = attrs.field(factory=GenerationParams)
    history: list[Message] = attrs.field(factory=list)

    @classmethod
    def open(
        cls,
        address: str,
        spec: str,
        *,
        system_prompt: str | None = None,
        params: GenerationParams | None = None,
        name: str = "chat",
    ) -> RemoteAgent:
        """Check `spec` in the kernel (loading the model there) before the first turn."""
        conn = client.connect(address)
        agent = cls(conn, spec, spec, name, system_prompt, params or GenerationParams())
        reply = conn.request("agent_request", agent._content(None, None), client.write_stream)
        if reply.get("status") != "ok":
            conn.close()
            client.raise_error(reply)
        agent.model = reply["model"]
        return agent

    def _content(self, text: str | None, params: GenerationParams | None) -> dict[str, Any]:
        return {
            "model": self.spec,
            "name": self.name,
            "system_prompt": self.system_prompt,
            "params": _params_dict(self.params.merged(params)),
            "history": [{"role": m.role, "content": m.content} for m in self.history],
            "text": text,
        }

    def reset(self) -> None:
        self.history.clear()

    def stream(self, text: str, params: GenerationParams | None = None) -> Iterator[StreamChunk]:
        """Chunks as the kernel streams them; the turn is remembered once it is complete."""
        events = self.connection.exchange("agent_request", self._content(text, params))
        try:
            while True:
                try:
                    msg = next(events)
                except StopIteration as done:
                    reply = done.value
                    break
                content = msg["content"]
                if msg["msg_type"] == "stream" and content.get("name") == "stdout":
                    yield StreamChunk(content.get("text", ""))
                elif msg["msg_type"] == "stream":
                    sys.stderr.write(content.get("text", ""))
        finally:
            events.close()
        if reply.get("status") != "ok":
            client.raise_error(reply)
        result = completion_result(reply["result"])
        self.history += [Message("user", text), Message("assistant", result.text)]
        yield StreamChunk("", done=True, result=result)

    def execute(self, text: str, params: GenerationParams | None = None) -> CompletionResult:
        for chunk in self.stream(text, params):
            if chunk.done and chunk.result is not None:
                return chunk.result
        raise RuntimeError("the kernel's reply ended without a result")

    def complete(self, text: str, params: GenerationParams | None = None) -> str:
        return self.execute(text, params).text

    def close(self) -> None:
        self.connection.close()
