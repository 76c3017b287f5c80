"""docs/lua-api.md: every Lua block runs as written, and the documented names exist."""

from __future__ import annotations

import re

import pytest

from tests.lua.helpers import ROOT

PAGE = ROOT / "docs" / "lua-api.md"


def lua_blocks() -> list[str]:
    return re.findall(r"```lua\n(.*?)```", PAGE.read_text(), flags=re.S)


@pytest.mark.slow
def test_every_lua_block_on_the_page_runs(lua, smollm2):
    blocks = lua_blocks()
    assert len(blocks) >= 15
    for block in blocks:
        ran = lua(block)
        assert ran.code == 0, f"{block}\n---\n{ran.err}"


def test_every_function_of_the_api_is_documented_with_a_heading():
    page = PAGE.read_text()
    ran_names = [
        "LocalLLM.status()",
        "LocalLLM.list(",
        "LocalLLM.pull(",
        "LocalLLM.info(",
        "LocalLLM.remove(",
        "LocalLLM.available(",
        "Agent.create(",
        "agent:execute(",
        "agent:complete(",
        "agent:execute_streaming(",
        "agent:history()",
        "agent:reset()",
    ]
    headings = [line for line in page.splitlines() if line.startswith("### ")]
    for name in ran_names:
        assert any(name in h for h in headings), name


def test_the_api_has_nothing_undocumented(lua):
    ran = lua(
        """
        local names = {}
        for k in pairs(LocalLLM) do names[#names + 1] = "LocalLLM." .. k end
        for k in pairs(getmetatable(Agent.create({ model = "echo@echo" })).__index) do
          names[#names + 1] = "agent:" .. k
        end
        for k in pairs(Agent) do names[#names + 1] = "Agent." .. k end
        table.sort(names)
        print(table.concat(names, "\\n"))
        """
    )
    page = PAGE.read_text()
    for name in ran.out.split():
        assert f"`{name}(" in page, name
