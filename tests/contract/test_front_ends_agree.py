"""CLI JSON, Lua tables and `llmspell.model_command` are one set of values, field by field.

Each is built from a result's `to_dict()`; Lua only adds its Rust-compatible names. Checked on
the real GGUF store (SmolLM2 installed from its package) and the echo plugin, in-process.
"""

from __future__ import annotations

import json

import pytest
from llmspell import Manager, model_command
from llmspell_cli.main import run as run_cli
from llmspell_lua.commands import exec_code

SPEC = "gguf/smollm2:135m"

DUMP = r"""
local function dump(label, t)
  local keys = {}
  for k, v in pairs(t) do if type(v) ~= "table" then keys[#keys + 1] = k end end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local text = tostring(t[k]):gsub("\\", "\\\\"):gsub("\n", "\\n")
    print(label .. "\t" .. k .. "\t" .. text)
  end
end
"""


@pytest.fixture
def run(capfd):
    """`cli(*args)` → parsed JSON of `llmspell ... --format json`; `lua(code)` → stdout."""

    def cli(*args: str):
        capfd.readouterr()
        code = run_cli([*args, "--format", "json"])
        out = capfd.readouterr().out
        assert code == 0, out
        return json.loads(out)

    def lua(code: str) -> dict[str, dict[str, str]]:
        capfd.readouterr()
        assert exec_code(DUMP + code, ()) == 0
        tables: dict[str, dict[str, str]] = {}
        for line in capfd.readouterr().out.splitlines():
            label, key, value = line.split("\t")
            tables.setdefault(label, {})[key] = value
        return tables

    return cli, lua


@pytest.fixture
def pulled(run):
    cli, _ = run
    assert cli("model", "pull", SPEC)["status"] == "pulled"


def lua_text(value: object) -> str | None:
    """How Lua's `tostring` shows a JSON scalar (None: the key is absent, nil)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).replace("\\", "\\\\").replace("\n", "\\n")  # as the dump escapes


def assert_same(canonical: dict, lua: dict[str, str]) -> None:
    scalars = {k: lua_text(v) for k, v in canonical.items() if not isinstance(v, (dict, list))}
    assert {k: lua.get(k) for k in scalars} == scalars


def test_a_listed_model_is_the_same_in_json_and_lua(run, pulled):
    cli, lua = run
    (model,) = [m for m in cli("model", "list", "--backend", "gguf")["models"]]
    tables = lua('dump("model", LocalLLM.list("gguf")[1])')
    assert_same(model, tables["model"])
    assert isinstance(model["modified_at"], int) and tables["model"]["size_gb"] == "0.1"


def test_model_info_is_the_same_in_json_and_lua(run, pulled):
    cli, lua = run
    info = cli("model", "info", SPEC)
    assert_same(info, lua(f'dump("info", LocalLLM.info("{SPEC}"))')["info"])
    assert info["context_length"] == 8192 and info["loaded"] is False


def test_health_is_the_same_in_json_and_lua_with_the_rust_names_added(run, pulled):
    cli, lua = run
    rows = {b["backend"]: b for b in cli("model", "status")["backends"]}
    tables = lua('local s = LocalLLM.status() dump("gguf", s.gguf) dump("echo", s.echo)')
    for name in ("gguf", "echo"):
        assert_same(rows[name], tables[name])
        healthy = lua_text(rows[name]["healthy"])
        assert tables[name]["running"] == tables[name]["ready"] == healthy
        assert tables[name]["models"] == str(rows[name]["model_count"])


def test_a_pull_is_the_same_in_json_and_lua(run, pulled):
    cli, lua = run
    again = cli("model", "pull", SPEC)
    assert again["status"] == "present" and again["model_id"] == SPEC
    assert_same(again, lua(f'dump("pull", LocalLLM.pull("{SPEC}"))')["pull"])


@pytest.mark.parametrize(
    ("argv", "command", "args"),
    [
        (["model", "list"], "list", {}),
        (["model", "list", "--backend", "gguf"], "list", {"backend": "gguf"}),
        (["model", "info", SPEC], "info", {"model": SPEC}),
        (["model", "status"], "status", {}),
        (["model", "available", "--recommended"], "available", {"recommended": True}),
        (["model", "pull", SPEC], "pull", {"model": SPEC}),
    ],
)
def test_model_command_returns_exactly_the_cli_json(run, pulled, argv, command, args):
    cli, _ = run
    assert model_command(Manager(), command, **args) == cli(*argv)


def test_model_command_refuses_unknown_commands_with_a_suggestion():
    from llmspell import BadInputError

    with pytest.raises(BadInputError, match="Did you mean 'list'"):
        model_command(Manager(), "lst")
    with pytest.raises(BadInputError, match="The info command needs a model"):
        model_command(Manager(), "info")
