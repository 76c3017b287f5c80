"""Values crossing from Lua to Python: every one that cannot convert gets a sentence naming the
field (never a Python exception name), and agents a script drops are released."""

from __future__ import annotations

import llmspell
import pytest
from llmspell_lua.runtime import ScriptRuntime

NESTED = "local deep = {} local c = deep for i = 1, 1000 do c[1] = {} c = c[1] end\n"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            'Agent.create({ model = "echo@echo", max_tokens = math.huge })',
            "Agent.create: max_tokens must be a whole number, got number inf.",
        ),
        (
            'Agent.create({ model = "echo@echo", max_tokens = 0/0 })',
            "Agent.create: max_tokens must be a whole number, got number nan.",
        ),
        (
            'Agent.create({ model = "echo@echo", seed = -math.huge })',
            "Agent.create: seed must be a whole number, got number -inf.",
        ),
        (
            'Agent.create({ model = "echo@echo", name = {} })',
            "Agent.create: name must be a string, got table.",
        ),
        (
            'Agent.create({ model = "echo@echo", system_prompt = print })',
            "Agent.create: system_prompt must be a string, got function.",
        ),
        (
            'Agent.create({ model = { "echo@echo" } })',
            'Agent.create: model must be a model spec string such as "local/smollm2:135m@gguf", '
            "got table.",
        ),
        (
            'Agent.create({ model = "echo@echo", stop = deep })',
            "Agent.create: field stop is nested more than 32 tables deep.",
        ),
        ("Agent.create(deep)", "Agent.create: field [1] is nested more than 32 tables deep."),
        (
            'Agent.create({ model = "echo@echo" }):execute({ text = {} })',
            'agent:execute: text must be a string, got table; e.g. agent:execute({ text = "Hi" }).',
        ),
        (
            'Agent.create({ model = "echo@echo" }):complete({ text = "hi", top_k = math.huge })',
            "agent:complete: top_k must be a whole number, got number inf.",
        ),
        (
            "LocalLLM.info(deep)",
            "LocalLLM.info: field [1] is nested more than 32 tables deep.",
        ),
    ],
)
def test_values_that_cannot_convert_are_named_in_one_sentence(lua, call, message):
    ran = lua(NESTED + f"local ok, e = pcall(function() return {call} end)\nprint(e)\n")
    assert ran.code == 0, ran.err
    assert ran.out == f"(exec):2: {message}\n"
    for python_word in ("Error", "dict", "list", "Traceback"):
        assert python_word not in ran.out


def test_an_uncaught_conversion_error_ends_the_script_with_that_sentence(lua):
    ran = lua('local a = Agent.create({ model = "echo@echo", max_tokens = 2^70 * 0 + 0/0 })')
    assert (ran.code, ran.err) == (
        1,
        "(exec):1: Agent.create: max_tokens must be a whole number, got number nan.\n",
    )


RELEASE_LOOP = """
for i = 1, 10000 do
  local agent = Agent.create({ model = "%s", max_tokens = 1 })
  if i %% 2500 == 0 then agent:complete("Hi") end
end
collectgarbage() collectgarbage()
Agent.create({ model = "%s" })  -- the next call hands the released ids to Python
"""


def test_agents_a_script_can_no_longer_reach_are_released(capfd):
    runtime = ScriptRuntime(llmspell.Manager())
    kept = runtime.run_code(
        'KEEP = Agent.create({ model = "echo@echo" })\n' + RELEASE_LOOP % ("echo@echo", "echo@echo")
    )
    assert kept.exit_code == 0, kept.error
    # Only the agents still reachable remain on the Python side: KEEP and the last one.
    assert len(runtime.agents.agents) <= 2 + 64, len(runtime.agents.agents)
    assert 1 in runtime.agents.agents  # KEEP, reachable through a global, is not released
    lua_bytes = runtime.lua.get_memory_used()
    again = runtime.run_code(RELEASE_LOOP % ("echo@echo", "echo@echo"))
    assert again.exit_code == 0, again.error
    assert len(runtime.agents.agents) <= 3 + 64
    assert runtime.lua.get_memory_used() < lua_bytes * 1.5  # flat, not 10,000 agents more
    assert runtime.run_code("print(KEEP:complete('still here'))").exit_code == 0
    assert capfd.readouterr().out.endswith("still here \n")


def test_a_dropped_stream_is_closed(capfd):
    runtime = ScriptRuntime(llmspell.Manager())
    outcome = runtime.run_code(
        """
        local agent = Agent.create({ model = "echo@echo" })
        for i = 1, 50 do
          local next_chunk = agent:execute_streaming({ text = "one two three" })
          next_chunk()  -- one chunk, then the iterator is dropped without its loop
        end
        collectgarbage() collectgarbage()
        agent:reset()
        """
    )
    assert outcome.exit_code == 0, outcome.error
    assert len(runtime.agents.streams) <= 1


@pytest.mark.slow
def test_ten_thousand_agents_load_the_model_once_and_keep_memory_flat(smollm2, model_loads):
    import resource

    runtime = ScriptRuntime(llmspell.Manager())
    first = runtime.run_code(RELEASE_LOOP % (smollm2, smollm2))
    assert first.exit_code == 0, first.error
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    second = runtime.run_code(RELEASE_LOOP % (smollm2, smollm2))
    assert second.exit_code == 0, second.error
    growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak
    assert len(model_loads) == 1, model_loads
    assert len(runtime.agents.agents) <= 2 + 64
    assert growth_kb < 20_000, growth_kb  # another 10,000 agents: under 20 MB more at peak
