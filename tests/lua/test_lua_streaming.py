"""agent:execute_streaming: a `for` loop sees each piece of text as the model produces it."""

from __future__ import annotations

import itertools
import time

import pytest


def test_chunks_arrive_in_order_then_a_final_chunk_with_metadata(lua):
    ran = lua(
        """
        local a = Agent.create({ model = "echo@echo" })
        local pieces, last = {}, nil
        for chunk in a:execute_streaming({ text = "one two three" }) do
          assert(chunk.content.type == "text")
          pieces[#pieces + 1] = chunk.content.text
          last = chunk
        end
        print(table.concat(pieces, "|"))
        print(last.done, last.metadata.model, last.metadata.tokens.completion)
        print(#a:history(), a:history()[2].content)
        """
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == ["one |two |three |", "true\techo\t3", "2\tone two three "]


@pytest.mark.slow
def test_streaming_is_incremental_on_the_real_model(runtime, smollm2):
    stamps: list[tuple[float, str]] = []
    runtime.globals().stamp = lambda text: stamps.append((time.perf_counter(), text))
    outcome = runtime.run_code(
        f"""
        local a = Agent.create({{ model = "{smollm2}", temperature = 0, max_tokens = 32 }})
        a:complete("Hi")  -- loads the model, so the timing below is generation only
        a:reset()
        stamp("start")
        for chunk in a:execute_streaming({{ text = "Tell me a long story about a dragon." }}) do
          if not chunk.done then stamp(chunk.content.text) end
        end
        stamp("end")
        """
    )
    assert outcome.exit_code == 0, outcome.error
    start, end = stamps[0][0], stamps[-1][0]
    chunks = [t for t, _ in stamps[1:-1]]
    assert len(chunks) >= 10
    assert "".join(text for _, text in stamps[1:-1]).strip()
    # Chunks reach Lua while the model still generates: the first one long before the last,
    # and they keep arriving at a steady pace instead of in one burst at the end.
    assert chunks[0] - start < 0.5 * (end - start)
    gaps = [b - a for a, b in itertools.pairwise(chunks)]
    assert sum(gap > 0.001 for gap in gaps) >= len(gaps) // 2


@pytest.mark.slow
def test_leaving_a_stream_early_frees_the_model_for_the_next_call(lua, smollm2):
    ran = lua(
        f"""
        local a = Agent.create({{ model = "{smollm2}", temperature = 0, max_tokens = 24 }})
        local seen = 0
        for chunk in a:execute_streaming({{ text = "Count from one to twenty." }}) do
          seen = seen + 1
          if seen == 2 then break end
        end
        print(seen, #a:history())
        local r = a:execute({{ text = "Hello", max_tokens = 4 }})
        print(r.metadata.tokens.completion > 0)
        """
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == ["2\t0", "true"]


@pytest.mark.slow
def test_an_error_inside_the_loop_also_closes_the_stream(lua, smollm2):
    ran = lua(
        f"""
        local a = Agent.create({{ model = "{smollm2}", temperature = 0, max_tokens = 24 }})
        local ok, e = pcall(function()
          for chunk in a:execute_streaming({{ text = "Count from one to twenty." }}) do
            error("stop here")
          end
        end)
        print(ok, e)
        print(#a:complete({{ text = "Hello", max_tokens = 4 }}) > 0)
        """
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == ["false\t(exec):5: stop here", "true"]
