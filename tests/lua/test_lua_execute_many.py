"""`Agent.execute_many`: a script asks several agents at once and gets every reply, in order."""

from __future__ import annotations

from llmspell_gguf import loader


def test_replies_come_back_in_order_and_equal_one_by_one_calls(lua, smollm2):
    ran = lua(
        f"""
        local opts = {{ model = "{smollm2}", temperature = 0, max_tokens = 10 }}
        local a, b, c = Agent.create(opts), Agent.create(opts), Agent.create(opts)
        local prompts = {{ "Name a fruit.", "Name a colour.", "Count to three." }}
        local many = Agent.execute_many({{
          {{ agent = a, text = prompts[1] }},
          {{ agent = b, text = prompts[2] }},
          {{ agent = c, text = prompts[3], max_tokens = 4 }},
        }})
        print(#many, many[3].metadata.tokens.completion, many[3].metadata.finish_reason)
        local d = Agent.create(opts)
        for i, r in ipairs(many) do
          d:reset()
          local alone = d:execute({{ text = prompts[i], max_tokens = i == 3 and 4 or nil }})
          print(r.text == alone.text, #a:history(), r.metadata.provider)
        end
        """
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        "3\t4\tlength",
        "true\t2\tgguf",
        "true\t2\tgguf",
        "true\t2\tgguf",
    ]


def test_the_replies_were_decoded_together(lua, smollm2, smollm2_path):
    for model in loader._models.values():
        model.batcher.most_together = 0
    ran = lua(
        f"""
        local a = Agent.create({{ model = "{smollm2}", temperature = 0, max_tokens = 16 }})
        local b = Agent.create({{ model = "{smollm2}", temperature = 0, max_tokens = 16 }})
        Agent.execute_many({{ {{ agent = a, text = "Hi" }}, {{ agent = b, text = "Hello" }} }})
        """
    )
    assert ran.code == 0, ran.err
    models = [m for m in loader._models.values() if m.path.samefile(smollm2_path)]
    assert max(m.batcher.most_together for m in models) == 2


def test_two_requests_to_one_agent_continue_its_conversation_in_order(lua):
    ran = lua(
        """
        local a = Agent.create({ model = "echo@echo" })
        local r = Agent.execute_many({ { agent = a, text = "one" }, { agent = a, text = "two" } })
        print(r[1].text, r[2].metadata.tokens.prompt, #a:history())
        """
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == ["one \t3\t4"]


def test_a_request_without_an_agent_is_named_with_the_script_line(lua):
    ran = lua(
        """
        local a = Agent.create({ model = "echo@echo" })
        Agent.execute_many({ { agent = a, text = "ok" }, { text = "no agent" } })
        """
    )
    assert ran.code == 1
    assert "(exec):3: Agent.execute_many: request 2 must be a table with agent = " in ran.err
