"""`Agent.execute_many`: several agents answer at once, so a backend can batch them.

Lua runs one script in one thread, so a script calling `agent:execute` in a loop waits for
each reply before it asks the next. Here every request runs in its own Python thread (the
threads only call the agents' Python side, never the Lua state) and the script gets all
the results, in the order it asked. The GGUF backend decodes concurrent generations on one
model in shared batches, so four replies take little longer than one. Requests to the same
agent run one after the other, in order, since each continues that agent's conversation.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from llmspell import BadInputError, LlmspellError

from .convert import from_lua, lua_type

if TYPE_CHECKING:
    from .agents import AgentBridge

_EXAMPLE = 'Agent.execute_many({ { agent = a, text = "Hi" }, { agent = b, text = "Hello" } })'


def execute_many(bridge: AgentBridge, requests: Any) -> list[dict[str, Any]]:
    """One result table per request (as `agent:execute` returns), in the order given."""
    from .agents import _result_table

    items = _requests(bridge, requests)
    results: list[Any] = [None] * len(items)
    errors: list[tuple[int, BaseException]] = []
    cancel = threading.Event()
    by_agent: dict[int, list[int]] = {}
    for index, (agent_id, _, _) in enumerate(items):
        by_agent.setdefault(agent_id, []).append(index)

    def work(indexes: list[int]) -> None:
        for index in indexes:
            agent_id, text, params = items[index]
            try:
                stream = bridge.agents[agent_id].stream(text, params)
                try:
                    for chunk in stream:
                        if cancel.is_set():
                            return
                        if chunk.done:
                            results[index] = _result_table(chunk.result)
                finally:
                    stream.close()  # type: ignore[attr-defined]
            except BaseException as exc:  # reported to the script below
                errors.append((index, exc))
                return

    threads = [
        threading.Thread(target=work, args=(indexes,), name="llmspell-execute-many", daemon=True)
        for indexes in by_agent.values()
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.05)  # short waits: Ctrl-C reaches this thread promptly
    except BaseException:
        cancel.set()  # every stream ends at its next token
        for thread in threads:
            thread.join(0.5)
        raise
    if errors:
        index, exc = min(errors, key=lambda e: e[0])
        if isinstance(exc, LlmspellError):
            exc.message = f"Agent.execute_many: request {index + 1}: {exc.message}"
        raise exc
    return results


def _requests(bridge: AgentBridge, requests: Any) -> list[tuple[int, str, Any]]:
    """(agent id, text, parameters) per request, each checked as `agent:execute` checks."""
    given = from_lua(requests)
    if given == {}:
        given = []
    if not isinstance(given, list):
        raise BadInputError(
            f"Agent.execute_many expects an array of requests, got {lua_type(requests)}; "
            f"e.g. {_EXAMPLE}."
        )
    items = []
    for number, request in enumerate(given, start=1):
        where = f"Agent.execute_many: request {number}"
        if not isinstance(request, dict) or type(request.get("agent")) is not int:
            raise BadInputError(
                f"{where} must be a table with agent = an agent from Agent.create and its "
                f"text; e.g. {_EXAMPLE}."
            )
        agent_id = request.pop("agent")
        if agent_id not in bridge.agents:
            raise BadInputError(f"{where}: agent is not an agent from Agent.create.")
        text, params = bridge._input(request, "execute_many")
        items.append((agent_id, text, params))
    return items
