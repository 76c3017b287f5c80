"""Agent from real Lua: create, execute, complete, conversation memory, reset, load-once."""

from __future__ import annotations

import pytest


def test_execute_returns_text_and_metadata(lua):
    ran = lua(
        """
        local a = Agent.create({ name = "e", model = "echo@echo" })
        local r = a:execute({ text = "hello there" })
        local m = r.metadata
        print(r.text, m.model, m.provider, m.finish_reason)
        print(m.tokens.prompt, m.tokens.completion, m.tokens.total, type(m.latency_ms))
        print(a.name, a.model, tostring(a))
        """
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        "hello there \techo\techo\tstop",
        "2\t2\t4\tnumber",
        "e\techo\tAgent(e, echo)",
    ]


def test_complete_returns_a_plain_string(lua):
    ran = lua('local a = Agent.create{ model = "echo@echo" } print(type(a:complete("hi")))')
    assert ran.out == "string\n"


def test_agents_remember_the_conversation_until_reset(lua):
    ran = lua(
        """
        local a = Agent.create({ model = "local/echo", system_prompt = "Be brief." })
        local first = a:execute({ text = "one two" }).metadata.tokens.prompt
        local second = a:execute({ text = "three" }).metadata.tokens.prompt
        print(first, second, #a:history(), a:history()[1].role, a:history()[1].content)
        a:reset()
        print(#a:history(), a:execute("four").metadata.tokens.prompt)
        """
    )
    assert ran.code == 0, ran.err
    # Prompt words: system 2 + "one two" 2; then also the echoed reply 2 and "three" 1.
    assert ran.out.splitlines() == ["4\t7\t4\tuser\tone two", "0\t3"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ("{}", "Agent.create: model is required"),
        (
            '{ model = "echo@echo", temperature = "hot" }',
            'Agent.create: temperature must be a number, got string "hot"',
        ),
        (
            '{ model = "echo@echo", max_tokens = 1.5 }',
            "Agent.create: max_tokens must be a whole number, got number 1.5",
        ),
        ('{ model = "echo@echo", top_p = 2 }', "Agent.create: top_p must be between 0 and 1"),
        (
            '{ model = "echo@echo", temprature = 0.5 }',
            "Agent.create has no option 'temprature'. Did you mean 'temperature'?",
        ),
        ('{ model = "echo@echo", stop = { 1 } }', "Agent.create: stop must be a string or"),
        ("{ model = 7 }", "Agent.create: model must be a model spec string"),
        ('"echo@echo"', "Agent.create expects a table, got string"),
        ('{ model = "echo@nowhere" }', "Unknown backend 'nowhere'"),
    ],
)
def test_bad_agent_options_are_named(lua, options, message):
    ran = lua(f"local ok, e = pcall(Agent.create, {options}) print(ok) print(e)")
    assert ran.out.splitlines()[0] == "false"
    assert message in ran.out


def test_bad_inputs_to_an_agent_are_named(lua):
    ran = lua(
        """
        local a = Agent.create({ model = "echo@echo" })
        print(select(2, pcall(a.execute, a, {})))
        print(select(2, pcall(a.execute, a, { text = "hi", max_tokens = "many" })))
        print(select(2, pcall(a.execute, { text = "hi" })))
        """
    )
    lines = ran.out.splitlines()
    assert "agent:execute: text must be a string, got nothing" in lines[0]
    assert 'agent:execute: max_tokens must be a whole number, got string "many"' in lines[1]
    assert "agent:execute must be called with a colon" in lines[2]


@pytest.mark.slow
def test_an_agent_on_the_real_model_answers_within_max_tokens(lua, smollm2):
    ran = lua(
        f"""
        local a = Agent.create({{ model = "{smollm2}", temperature = 0, max_tokens = 8,
                                 system_prompt = "Be brief." }})
        local r = a:execute({{ text = "What is the capital of France?" }})
        local m = r.metadata
        print(#r.text > 0, m.model, m.provider, m.finish_reason)
        local t = m.tokens
        print(t.prompt > 10, t.completion <= 8, t.total == t.prompt + t.completion)
        local short = a:execute({{ text = "And of Italy?", max_tokens = 2 }})
        print(short.metadata.tokens.completion <= 2, type(a:complete("Thanks")))
        """
    )
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0].split("\t")[0] == "true"
    assert lines[0].split("\t")[1:3] == ["smollm2:135m", "gguf"]
    assert lines[0].split("\t")[3] in ("stop", "length")
    assert lines[1:] == ["true\ttrue\ttrue", "true\tstring"]


@pytest.mark.slow
def test_a_model_shared_by_agents_and_calls_loads_once(lua, smollm2, model_loads):
    ran = lua(
        f"""
        local agents = {{}}
        for i = 1, 3 do
          agents[i] = Agent.create({{ name = "a" .. i, model = "{smollm2}", max_tokens = 2 }})
        end
        for round = 1, 2 do
          for _, a in ipairs(agents) do a:complete("Hi " .. round) end
        end
        print(LocalLLM.info("{smollm2}").loaded)
        """
    )
    assert ran.code == 0, ran.err
    assert ran.out == "true\n"
    assert len(model_loads) == 1, model_loads


def test_a_long_conversation_keeps_only_what_fits_the_context(lua):
    ran = lua(
        """
        local a = Agent.create({ model = "echo@echo" })  -- echo: a 2048-token context
        local long = string.rep("word ", 100)
        for turn = 1, 7 do
          io.write(a:execute({ text = long }).metadata.tokens.prompt, " ")
        end
        print(#a:history())
        """
    )
    *sizes, kept = (int(n) for n in ran.out.split())
    # Prompt words: each turn adds 200 (question and echoed answer) until the oldest turns
    # no longer fit beside a reply; then the oldest turn goes for each new one.
    assert sizes == [100, 300, 500, 700, 900, 900, 900]
    assert kept == 14  # the whole history is kept; only what is sent is trimmed
