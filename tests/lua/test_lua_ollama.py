"""The Ollama path from Lua, against the Ollama-speaking test server with the real client."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator

import pytest
from llmspell_lua.commands import run_script

from tests.lua.helpers import EXAMPLES
from tests.support.ollama_server import OllamaTestServer


@pytest.fixture
def ollama(monkeypatch) -> Iterator[OllamaTestServer]:
    with OllamaTestServer() as server:
        server.add_model("smollm2:135m")
        monkeypatch.setenv("OLLAMA_HOST", server.url)
        yield server


def test_status_list_and_info_see_the_server(lua, ollama):
    ran = lua(
        """
        local s = LocalLLM.status().ollama
        print(s.running, s.models, s.version ~= nil, s.error)
        for _, m in ipairs(LocalLLM.list("ollama")) do
          print(m.id, m.quantization, m.size_bytes, math.type(m.modified_at))
        end
        local i = LocalLLM.info("smollm2:135m@ollama")
        print(i.id, i.format, i.architecture, i.context_length, i.parameter_count)
        """
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        "true\t1\ttrue\tnil",
        "ollama/smollm2:135m\tQ4_K_M\t98000000\tinteger",
        "ollama/smollm2:135m\tollama\tllama\t8192\t134515008",
    ]


def test_an_agent_on_ollama_executes_and_keeps_the_conversation(lua, ollama):
    ran = lua(
        """
        local a = Agent.create({ model = "smollm2:135m@ollama", max_tokens = 3 })
        local r = a:execute({ text = "one two three four five" })
        print(r.text, r.metadata.provider, r.metadata.model, r.metadata.finish_reason)
        print(a:complete("six seven"), #a:history())
        """
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        "one two three\tollama\tsmollm2:135m\tlength",
        "six seven\t4",
    ]
    sent = ollama.requests_to("/api/chat")[-1]["body"]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]


def test_local_specs_prefer_ollama_when_it_has_the_model(lua, ollama, smollm2):
    ran = lua('print(Agent.create({ model = "local/smollm2:135m" }).backend)')
    ran = lua(
        'print(Agent.create({ model = "local/smollm2:135m" }):execute("hi").metadata.provider)'
    )
    assert ran.out == "ollama\n"


def test_streaming_from_ollama_is_incremental(runtime, ollama):
    ollama.line_delay = 0.05
    stamps: list[float] = []
    runtime.globals().stamp = lambda: stamps.append(time.perf_counter())
    outcome = runtime.run_code(
        """
        local a = Agent.create({ model = "smollm2:135m@ollama" })
        local text = {}
        for chunk in a:execute_streaming({ text = "a b c d e f" }) do
          stamp()
          text[#text + 1] = chunk.content.text
        end
        assert(table.concat(text):gsub("%s+", "") == "abcdef", table.concat(text, "|"))
        """
    )
    assert outcome.exit_code == 0, outcome.error
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert len(stamps) >= 6
    assert sum(gap >= 0.03 for gap in gaps) >= 4  # one chunk per server line, as it comes


def test_pull_and_remove_through_ollama(lua, ollama):
    ran = lua(
        """
        local statuses = {}
        local r = LocalLLM.pull("qwen2.5:0.5b@ollama", {
          progress = function(p) statuses[#statuses + 1] = p.status end,
        })
        print(r.model_id, r.status, r.bytes_total, r.bytes_downloaded, statuses[#statuses])
        print(LocalLLM.remove("smollm2:135m@ollama"))
        for _, m in ipairs(LocalLLM.list("ollama")) do print(m.id) end
        """
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        "ollama/qwen2.5:0.5b\tpulled\t397011300\t397011300\tsuccess",
        "true",
        "ollama/qwen2.5:0.5b",
    ]


@pytest.mark.slow
def test_compare_backends_example_uses_ollama_when_it_is_up(capfd, ollama, smollm2):
    capfd.readouterr()
    code = run_script(str(EXAMPLES / "compare_backends.lua"), ["--max-tokens", "4", "Hi there"])
    out = capfd.readouterr().out
    assert code == 0
    assert "== ollama (smollm2:135m): " in out
    assert "== gguf (smollm2:135m): " in out
    assert out.splitlines()[-1] == "Compared 3 backend(s)."
