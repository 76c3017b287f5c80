"""The `Agent` global: agents live on the Python side, scripts hold only a numeric handle.

Options are checked here so a bad one is named in the error (`Agent.create: temperature
must be a number, got string "hot"`). Streams are Python generators pulled one chunk per
Lua loop iteration, so a script sees each piece of text as soon as the model produces it.
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Iterator
from typing import Any

import llmspell
from llmspell import BadInputError, CompletionResult, GenerationParams, StreamChunk

from .convert import describe, options
from .policy import check_pull_host

_NUMBERS = {"temperature", "top_p", "repeat_penalty"}
_INTEGERS = {"top_k", "max_tokens", "seed"}
PARAMS = _NUMBERS | _INTEGERS | {"stop"}
#: Accepted and ignored: fields scripts for the Rust llmspell pass that mean nothing here.
_IGNORED = {"description", "agent_type", "type"}
_CREATE_KEYS = {"name", "model", "provider", "system_prompt"} | PARAMS | _IGNORED
_INPUT_KEYS = {"text"} | PARAMS
_CREATE_EXAMPLE = 'Agent.create({ model = "local/smollm2:135m@gguf" })'


def _unknown(where: str, key: str, known: set[str]) -> BadInputError:
    hint = difflib.get_close_matches(key, sorted(known), n=1)
    also = f" Did you mean {hint[0]!r}?" if hint else ""
    return BadInputError(
        f"{where} has no option {key!r}.{also} Known options: {', '.join(sorted(known))}."
    )


def generation_params(given: dict[str, Any], where: str) -> GenerationParams:
    """Typed sampling parameters; each wrong value is named with what was expected."""
    values: dict[str, Any] = {}
    for key in PARAMS & given.keys():
        value = given[key]
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if key in _NUMBERS:
            if not is_number:
                raise BadInputError(f"{where}: {key} must be a number, got {describe(value)}.")
            values[key] = float(value)
        elif key in _INTEGERS:
            whole = is_number and math.isfinite(value) and float(value).is_integer()
            if not whole:
                raise BadInputError(
                    f"{where}: {key} must be a whole number, got {describe(value)}."
                )
            values[key] = int(value)
        else:
            stops = [value] if isinstance(value, str) else value
            if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
                raise BadInputError(
                    f"{where}: stop must be a string or an array of strings, "
                    f'e.g. stop = {{ "\\n" }}.'
                )
            values[key] = tuple(stops)
    try:
        return GenerationParams(**values)
    except BadInputError as exc:
        raise BadInputError(f"{where}: {exc.message}") from None


def _result_table(result: CompletionResult) -> dict[str, Any]:
    return {
        "text": result.text,
        "metadata": {
            "model": result.model,
            "provider": result.provider,
            "finish_reason": result.finish_reason,
            "tokens": {
                "prompt": result.usage.prompt,
                "completion": result.usage.completion,
                "total": result.usage.total,
            },
            "latency_ms": result.latency_ms,
        },
    }


class AgentBridge:
    def __init__(self, manager: llmspell.Manager, *, sandboxed: bool = False) -> None:
        self.manager = manager
        self.sandboxed = sandboxed
        self.agents: dict[int, llmspell.Agent] = {}
        self.streams: dict[int, Iterator[StreamChunk]] = {}
        self._ids = itertools.count(1)

    def create(self, opts: Any = None) -> dict[str, Any]:
        given = options(opts, "Agent.create", _CREATE_EXAMPLE)
        for key in given:
            if key not in _CREATE_KEYS:
                raise _unknown("Agent.create", key, _CREATE_KEYS - _IGNORED)
        model = given.get("model")
        if model is None:
            raise BadInputError(f"Agent.create: model is required, e.g. {_CREATE_EXAMPLE}.")
        if not isinstance(model, str) or not model.strip():
            raise BadInputError(
                f"Agent.create: model must be a model spec string such as "
                f'"local/smollm2:135m@gguf", got {describe(model)}.'
            )
        provider = given.get("provider")
        if provider is not None:
            if not isinstance(provider, str):
                raise BadInputError(
                    f"Agent.create: provider must be a string, got {describe(provider)}."
                )
            if "/" not in model:
                model = f"{provider}/{model}"
        for key in ("name", "system_prompt"):
            if key in given and not isinstance(given[key], str):
                raise BadInputError(
                    f"Agent.create: {key} must be a string, got {describe(given[key])}."
                )
        params = generation_params(given, "Agent.create")
        if self.sandboxed and self.manager.config.auto_pull_missing:
            check_pull_host(self.manager, model, "Agent.create")  # it may pull the model
        agent_id = next(self._ids)
        name = given.get("name") or f"agent{agent_id}"
        agent = self.manager.agent(
            model, system_prompt=given.get("system_prompt"), params=params, name=name
        )
        self.agents[agent_id] = agent
        return {"id": agent_id, "name": name, "model": agent.model}

    def _input(self, value: Any, where: str) -> tuple[str, GenerationParams]:
        example = f'agent:{where}({{ text = "Hi" }})'
        if isinstance(value, str):
            return value, GenerationParams()
        given = options(value, f"agent:{where}", example)
        for key in given:
            if key not in _INPUT_KEYS:
                raise _unknown(f"agent:{where}", key, _INPUT_KEYS)
        text = given.get("text")
        if not isinstance(text, str):
            got = "nothing" if text is None else describe(text)
            raise BadInputError(f"agent:{where}: text must be a string, got {got}; e.g. {example}.")
        return text, generation_params(given, f"agent:{where}")

    def _agent(self, agent_id: int) -> llmspell.Agent:
        return self.agents[agent_id]

    def execute(self, agent_id: int, value: Any) -> dict[str, Any]:
        text, params = self._input(value, "execute")
        return _result_table(self._agent(agent_id).execute(text, params))

    def complete(self, agent_id: int, value: Any) -> str:
        text, params = self._input(value, "complete")
        return self._agent(agent_id).complete(text, params)

    def reset(self, agent_id: int) -> None:
        self._agent(agent_id).reset()

    def history(self, agent_id: int) -> list[dict[str, str]]:
        return [{"role": m.role, "content": m.content} for m in self._agent(agent_id).history]

    def stream_open(self, agent_id: int, value: Any) -> int:
        text, params = self._input(value, "execute_streaming")
        stream_id = next(self._ids)
        self.streams[stream_id] = iter(self._agent(agent_id).stream(text, params))
        return stream_id

    def stream_next(self, stream_id: int) -> str | dict[str, Any] | None:
        """The next piece of text (Lua wraps it in a chunk table), the final chunk as a table,
        or None at the end of the `for` loop. Pulls from the model exactly what it returns."""
        stream = self.streams.get(stream_id)
        if stream is None:
            return None
        for chunk in stream:
            if chunk.done:
                self.stream_close(stream_id)
                final: dict[str, Any] = {"content": {"type": "text", "text": chunk.text}}
                final["done"] = True
                if chunk.result is not None:
                    final.update(metadata=_result_table(chunk.result)["metadata"])
                return final
            if chunk.text:
                return chunk.text
        self.stream_close(stream_id)
        return None

    def release(self, ids: Any) -> None:
        """Forget agents and streams the script can no longer reach (from Lua finalizers)."""
        for handle in ids.values():
            self.agents.pop(handle, None)
            self.stream_close(handle)

    def stream_close(self, stream_id: int) -> None:
        stream = self.streams.pop(stream_id, None)
        close = getattr(stream, "close", None)
        if close is not None:
            close()
