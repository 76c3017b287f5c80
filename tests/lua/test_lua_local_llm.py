"""LocalLLM from real Lua: status, list, pull, info, remove, available, as scripts see them."""

from __future__ import annotations

import pytest

# Lua that fails the script unless a value holds only plain Lua data (no Python objects).
PLAIN = """
local function plain(v, path)
  local t = type(v)
  if t == "table" then
    for k, x in pairs(v) do plain(x, path .. "." .. tostring(k)) end
  elseif t ~= "string" and t ~= "number" and t ~= "boolean" then
    error(path .. " is a " .. t)
  end
end
"""


def test_status_reports_every_backend_with_a_model_count(lua):
    ran = lua(
        PLAIN
        + """
        local s = LocalLLM.status()
        plain(s, "status")
        print(s.gguf.ready, s.gguf.models, math.type(s.gguf.models), s.gguf.version ~= nil)
        print(s.echo.running, s.echo.models)
        print(s.ollama.running, s.ollama.models, s.ollama.error ~= nil)
        print(rawequal(s.candle, s.gguf))
        """
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        "true\t0\tinteger\ttrue",
        "true\t1",
        "false\t0\ttrue",  # no server at OLLAMA_HOST: not running, models 0, never nil
        "true",
    ]


def test_status_error_says_why_a_backend_is_down(lua):
    ran = lua("print(LocalLLM.status().ollama.error)")
    assert "127.0.0.1:9" in ran.out


def test_list_gives_plain_entries_with_unix_modified_times(lua, smollm2):
    ran = lua(
        PLAIN
        + """
        local models = LocalLLM.list()
        plain(models, "list")
        for i, m in ipairs(models) do
          print(i, m.id, m.name, m.backend, m.size_bytes, m.size_gb, m.quantization,
                math.type(m.modified_at or 0), m.modified_at and os.date("!%Y", m.modified_at))
        end
        """
    )
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert "2\techo/echo\techo\techo\t0\t0.0\tnil\tinteger\tnil" in lines  # priority order
    gguf = next(line for line in lines if "gguf/smollm2:135m" in line).split("\t")
    assert gguf[1:8] == [
        "gguf/smollm2:135m",
        "smollm2:135m",
        "gguf",
        "98362432",
        "0.1",
        "Q4_1",
        "integer",
    ]
    assert gguf[8].isdigit() and len(gguf[8]) == 4


@pytest.mark.parametrize("backend", ["gguf", "candle"])
def test_list_of_one_backend_accepts_its_aliases(lua, smollm2, backend):
    ran = lua(f'for _, m in ipairs(LocalLLM.list("{backend}")) do print(m.id) end')
    assert ran.out.splitlines() == ["gguf/smollm2:135m"]


def test_list_of_an_unknown_backend_is_a_catchable_error(lua):
    ran = lua('local ok, e = pcall(LocalLLM.list, "olama") print(ok) print(e)')
    assert ran.out.splitlines()[0] == "false"
    assert "Unknown backend 'olama'" in ran.out and "Did you mean 'ollama'?" in ran.out


def test_info_accepts_a_backend_and_reads_the_gguf_metadata(lua, smollm2):
    ran = lua(
        PLAIN
        + """
        for _, spec in ipairs({"smollm2:135m@gguf", "smollm2:135m@candle", "local/smollm2:135m"}) do
          local i = LocalLLM.info(spec)
          plain(i, "info")
          print(i.id, i.backend, i.format, i.size_bytes, i.parameter_count, i.quantization,
                i.context_length, i.architecture, i.path:match("%.gguf$"),
                math.type(i.modified_at), i.loaded)
        end
        """
    )
    assert ran.code == 0, ran.err
    expected = "\t".join(
        [
            "gguf/smollm2:135m",
            "gguf",
            "gguf",
            "98362432",
            "134515008",
            "Q4_1",
            "8192",
            "llama",
            ".gguf",
            "integer",
        ]
    )
    lines = ran.out.splitlines()
    assert len(lines) == 3
    for line in lines:
        assert line.startswith(expected)
        assert line.rsplit("\t", 1)[1] in ("true", "false")


def test_info_of_a_missing_model_says_how_to_get_it(lua):
    ran = lua('local ok, e = pcall(LocalLLM.info, "tinyllama:1b@gguf") print(ok, e)')
    assert ran.out.startswith("false\t")
    assert "tinyllama:1b" in ran.out


def test_pull_reports_progress_and_returns_the_download_summary(lua):
    ran = lua(
        """
        local events = 0
        local r = LocalLLM.pull("gguf/smollm2:135m", {
          quantization = "Q4_1",
          progress = function(p) events = events + 1 last = p end,
        })
        print(r.model_id, r.status, r.percent_complete, r.bytes_downloaded, r.bytes_total)
        print(events > 1, last.total, last.percent)
        print(#LocalLLM.list("gguf"))
        """
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        "gguf/smollm2:135m\tpulled\t100.0\t98362432\t98362432",
        "true\t98362432\t100.0",
        "1",
    ]


def test_pull_options_are_checked_by_name(lua):
    ran = lua(
        """
        print(select(2, pcall(LocalLLM.pull, "gguf/smollm2:135m", { quantisation = "Q4_1" })))
        print(select(2, pcall(LocalLLM.pull, "gguf/smollm2:135m", { quantization = 4 })))
        print(select(2, pcall(LocalLLM.pull, 42)))
        """
    )
    lines = ran.out.splitlines()
    assert "no option 'quantisation'" in lines[0]
    assert "quantization must be a string" in lines[1]
    assert "needs a model spec string, got number" in lines[2]


def test_remove_deletes_the_model(lua, smollm2):
    ran = lua('print(LocalLLM.remove("smollm2:135m@gguf")) print(#LocalLLM.list("gguf"))')
    assert ran.out.splitlines() == ["true", "0"]


def test_available_lists_the_catalog(lua):
    ran = lua(
        """
        for _, e in ipairs(LocalLLM.available("gguf", { recommended = true })) do
          print(e.name, e.backend, e.recommended)
        end
        """
    )
    assert "smollm2:135m\tgguf\ttrue" in ran.out.splitlines()
