"""Escape attempts against the default sandbox, each run by the real `llmspell` in a subprocess.

Every attack runs as a script in the test's home folder (the working directory), next to a
victim file. After each one: the process exited normally (no signal, so no crash), nothing
was created, changed or removed in that folder or in the shared probe folder outside it, no
process was started (each `os.execute`/`io.popen` attempt would create a marker file), and
the script reached its last line (`survived`) unless the attack was meant to end it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pytest

from tests.lua.helpers import llmspell_cli

HINT = "is disabled in the sandbox; run with --allow-unsafe to enable it"
OUTSIDE = Path(tempfile.gettempdir()) / "llmspell-escape-probe"  # outside the test's home


def snapshot(*folders: Path) -> dict[str, str]:
    files = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.exists() else ():
            if path.is_file() and "cache" not in path.parts:
                files[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif not path.is_file():
                files[str(path)] = "dir"
    return files


def attack(home: Path, source: str, *args: str) -> tuple[int, list[str], str]:
    """Run `source` sandboxed; assert no file changed and no process ran; return the result."""
    OUTSIDE.mkdir(exist_ok=True)
    (home / "victim.txt").write_text("precious")
    (home / "attack.lua").write_text(source)
    before = snapshot(home, OUTSIDE)
    ran = llmspell_cli("run", "attack.lua", *args, timeout=120)
    assert snapshot(home, OUTSIDE) == before, "a file was written, changed or removed"
    assert not list(home.glob("pwned*")) and not list(OUTSIDE.glob("pwned*"))
    assert ran.code in (0, 1, 2, 3, 130), (ran.code, ran.err)  # not a signal: no crash
    assert "Traceback" not in ran.err
    return ran.code, ran.out.splitlines(), ran.err


# Each line of these scripts tries one thing under pcall and prints how it ended.
TRY = r"""
local function try(label, f, ...)
  local ok, e = pcall(f, ...)
  print(label, ok and "ALLOWED" or "refused", ok and "" or (tostring(e):gsub("\n", " | ")))
end
"""


def outcomes(lines: list[str]) -> dict[str, str]:
    return {line.split("\t")[0]: line.split("\t", 1)[1] for line in lines if "\t" in line}


def test_replacing_string_functions_or_the_string_metatable_does_not_unlock_writes(
    isolated_home,
):
    code, lines, err = attack(
        isolated_home,
        TRY
        + """
        string.find = function() return nil end
        string.match = function() return nil end
        try("string-meta", function() getmetatable("").__index = { find = function() end } end)
        try("setmeta-string", function() setmetatable("", {}) end)
        rawset(string, "find", function() return nil end)
        try("open-w", function() return assert(io.open("pwned.txt", "w")) end)
        try("open-a", function() return assert(io.open("victim.txt", "a")) end)
        try("open-r+", function() return assert(io.open("victim.txt", "r+")) end)
        try("open-wb", function() return assert(io.open("pwned.txt", "wb")) end)
        try("open-rw", function() return assert(io.open("pwned.txt", "rw")) end)
        print("meta", getmetatable(""), ("abc"):upper())
        print("survived")
        """,
    )
    assert code == 0, err
    result = outcomes(lines)
    for label in ("string-meta", "setmeta-string", "open-w", "open-a", "open-r+", "open-wb"):
        assert result[label].startswith("refused"), (label, result[label])
    assert result["open-rw"].startswith("refused")
    assert f'io.open with mode "w" (writing) {HINT}' in result["open-w"]
    assert lines[-2:] == ["meta\tfalse\tABC", "survived"]


def test_io_functions_refuse_numbers_tables_and_other_odd_arguments(isolated_home):
    code, lines, err = attack(
        isolated_home,
        TRY
        + """
        try("output-number", io.output, 4242)
        try("output-string", io.output, "pwned.txt")
        try("output-table", io.output, {})
        try("input-number", io.input, 4242)
        try("input-table", io.input, setmetatable({}, { __tostring = function() return "x" end }))
        try("lines-number", io.lines, 4242)
        try("lines-table", io.lines, {})
        try("open-number", io.open, 4242)
        try("open-mode-table", io.open, "victim.txt", {})
        try("open-mode-number", io.open, "victim.txt", 119)
        try("close-number", io.close, 1)
        local f = assert(io.open("victim.txt"))
        try("write-on-read-handle", function() return assert(f:write("x")) end)
        f:close()
        try("input-closed", io.input, f)
        try("output-read-handle", function()
          io.output(assert(io.open("victim.txt", "r"))) assert(io.write("pwned"))
        end)
        io.output(io.stdout)
        try("tmpfile", io.tmpfile)
        try("popen", io.popen, "touch pwned-popen")
        for line in io.lines("victim.txt") do print("read", line) end
        print("survived")
        """,
    )
    assert code == 0, err
    result = outcomes(lines)
    for label, verdict in result.items():
        if label not in ("read", "survived"):
            assert verdict.startswith("refused"), (label, verdict)
    assert (
        "bad argument #1 to 'output' (file handle expected, got number)"
        in (result["output-number"])
    )
    assert not (isolated_home / "4242").exists()
    assert lines[-2:] == ["read\tprecious", "survived"]


def test_os_and_package_offer_nothing_that_writes_runs_or_loads_native_code(isolated_home):
    code, lines, err = attack(
        isolated_home,
        TRY
        + """
        try("execute", os.execute, "touch pwned-exec")
        try("remove", os.remove, "victim.txt")
        try("rename", os.rename, "victim.txt", "pwned.txt")
        try("tmpname", os.tmpname)
        try("loadlib", package.loadlib, "libc.so.6", "system")
        try("require-c", require, "lfs")
        try("require-os-exec", function() return require("os").execute("touch pwned-req") end)
        try("searchers", function() return package.searchers[3]("x") end)
        package.cpath = "/usr/lib/x86_64-linux-gnu/?.so"
        try("require-cpath", require, "libc")
        rawset(package.loaded, "io", { open = function() end })
        try("io-after-rawset", function() return assert(io.open("pwned.txt", "w")) end)
        try("debug-getregistry", function() return debug.getregistry() end)
        try("debug-upvalue", function() return debug.getupvalue(LocalLLM.status, 1) end)
        try("debug-sethook", function() return debug.sethook() end)
        try("gc-stop", collectgarbage, "stop")
        try("gc-generational", collectgarbage, "generational")
        print("gc-count", type(collectgarbage("count")))
        try("finalizer", setmetatable, {}, { __gc = function() os.execute("touch pwned") end })
        print("survived")
        """,
    )
    assert code == 0, err
    result = outcomes(lines)
    for label, verdict in result.items():
        if label not in ("gc-count", "survived"):
            assert verdict.startswith("refused"), (label, verdict)
    assert f"loading C modules {HINT}" in result["require-c"]
    assert f"debug.getupvalue {HINT}" in result["debug-upvalue"]
    assert f'collectgarbage("stop") {HINT}' in result["gc-stop"]
    assert f"a __gc metamethod (finalizer) {HINT}" in result["finalizer"]


def test_bytecode_never_loads_from_load_loadfile_dofile_or_require(isolated_home):
    from lupa import lua54

    # Real Lua 5.4 bytecode made outside the sandbox, then corrupted, on disk as a module.
    good = lua54.LuaRuntime(encoding=None).eval("string.dump(function() return 'bytecode ran' end)")
    (isolated_home / "evil.lua").write_bytes(good)
    (isolated_home / "broken.lua").write_bytes(good[:20] + b"\xff" * 40 + good[60:])
    code, lines, err = attack(
        isolated_home,
        TRY
        + """
        local chunk = io.open("evil.lua", "rb"):read("a")
        try("load", function() return assert(load(chunk))() end)
        try("load-b", function() return assert(load(chunk, "x", "b"))() end)
        try("load-reader", function()
          local done = false
          return assert(load(function() if not done then done = true return chunk end end))()
        end)
        try("load-env", function() return assert(load(chunk, "x", "t", {}))() end)
        try("loadfile", function() return assert(loadfile("evil.lua"))() end)
        try("loadfile-b", function() return assert(loadfile("evil.lua", "b"))() end)
        try("dofile", dofile, "evil.lua")
        try("require", require, "evil")
        try("require-broken", require, "broken")
        try("dump", function() return string.dump(print) end)
        print("survived")
        """,
    )
    assert code == 0, err
    result = outcomes(lines)
    assert "bytecode ran" not in "\n".join(lines)
    for label in ("load", "load-b", "load-reader", "load-env", "loadfile", "loadfile-b"):
        assert result[label].startswith("refused"), (label, result[label])
    for label in ("dofile", "require", "require-broken", "dump"):
        assert result[label].startswith("refused"), (label, result[label])
    assert "attempt to load a binary chunk (mode is 't')" in result["require"]


def test_no_python_object_or_real_global_is_reachable(isolated_home):
    code, lines, err = attack(
        isolated_home,
        """
        local seen, found = {}, {}
        local function walk(v, path, depth)
          if depth > 6 or seen[v] then return end
          local t = type(v)
          if t == "userdata" and io.type(v) == nil then found[#found + 1] = path end
          if t ~= "table" and t ~= "userdata" and t ~= "function" and t ~= "string" then return end
          seen[v] = true
          local mt = getmetatable(v)
          if mt ~= nil then walk(mt, path .. "<mt>", depth + 1) end
          if t == "table" then
            for k, x in next, v do walk(x, path .. "." .. tostring(k), depth + 1) end
          end
        end
        walk(_G, "_G", 0)
        walk(package.loaded, "loaded", 0)
        -- every error an API call can raise is a string, never a Python exception
        local errors = {}
        for _, call in ipairs({
          function() return LocalLLM.info(nil) end,
          function() return LocalLLM.info({ {} }) end,
          function() return Agent.create({ model = "echo@echo", name = {} }) end,
          function() return Agent.create({ model = "echo@echo", max_tokens = 0/0 }) end,
          function() return LocalLLM.list(print) end,
          function() return LocalLLM.pull("gguf/nosuch:1b", { progress = 7 }) end,
        }) do
          local ok, e = pcall(call)
          errors[#errors + 1] = type(e)
        end
        print("userdata", #found, found[1])
        print("errors", table.concat(errors, ","))
        print("python", python, package.loaded.python, rawget(_G, "python"))
        print("G", require("_G") == _G, load("return _ENV")() == _G, _G._G == _G)
        local _ENV = { print = print }
        print("env", io)
        print("survived")
        """,
    )
    assert code == 0, err
    assert lines == [
        "userdata\t0\tnil",
        "errors\tstring,string,string,string,string,string",
        "python\tnil\tnil\tnil",
        "G\ttrue\ttrue\ttrue",
        "env\tnil",
        "survived",
    ]


def test_metatables_of_shared_values_are_protected_or_absent(isolated_home):
    code, lines, err = attack(
        isolated_home,
        TRY
        + """
        local agent = Agent.create({ model = "echo@echo" })
        local values = { "", 1, true, print, coroutine.create(print), io.stdout, agent,
                         LocalLLM, string, io }
        local shown = {}
        for i, v in ipairs(values) do shown[i] = tostring(getmetatable(v)) end
        print("getmetatable", table.concat(shown, ","))
        try("set-agent", setmetatable, agent, {})
        try("set-file", function() getmetatable(io.stdout).__index = {} end)
        try("set-string", function() getmetatable("").__index = {} end)
        try("file-field", function() io.stdout.write = print end)
        -- metatables on the script's own copies change nothing for the guards
        setmetatable(io, { __index = function() return function() end end })
        setmetatable(string, { __index = function() os.exit(9) end })
        try("open-after", function() return assert(io.open("pwned.txt", "w")) end)
        print(agent:complete("still works"))
        print("survived")
        """,
    )
    assert code == 0, err
    result = outcomes(lines)
    assert result["getmetatable"] == "false,nil,nil,nil,nil,file,Agent,nil,nil,nil"
    for label in ("set-agent", "set-file", "set-string", "file-field", "open-after"):
        assert result[label].startswith("refused"), (label, result[label])
    assert lines[-2:] == ["still works ", "survived"]


def test_env_tricks_and_rawset_into_libraries_change_nothing_for_the_guards(isolated_home):
    code, lines, err = attack(
        isolated_home,
        TRY
        + """
        local real_open = io.open
        rawset(io, "open", function(p) return real_open(p, "w") end)
        try("open-via-rawset", function() return assert(io.open("pwned.txt")) end)
        rawset(_G, "io", nil)
        _ENV = setmetatable({}, { __index = _G })
        try("loadstring-env", function() return load("return io", "x", "t", nil)() end)
        try("env-escape", function() return assert(load("return python")())() end)
        local f = load("local _ENV = ...; return os.execute", "x", "t")
        try("env-param", function() return f({ os = { execute = 1 } }) end)
        try("require-io", function() return require("io").open("pwned.txt", "w") end)
        print("survived")
        """,
    )
    assert code == 0, err
    result = outcomes(lines)
    for label in ("open-via-rawset", "loadstring-env", "env-escape", "require-io"):
        assert result[label].startswith("refused"), (label, result[label])
    assert lines[-1] == "survived"


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("pcall", "print(pcall(os.exit, 3))"),
        ("xpcall", "print(xpcall(os.exit, function() return 'kept' end, 3))"),
        ("coroutine", "print(coroutine.resume(coroutine.create(function() os.exit(3) end)))"),
        ("wrap", "print(pcall(coroutine.wrap(function() os.exit(3) end)))"),
        (
            "close-replaces-error",
            """print(pcall(function()
                 local guard <close> = setmetatable({}, { __close = function(_, e)
                   CAUGHT = e error("swallowed", 0) end })
                 os.exit(3)
               end))
               print("caught", CAUGHT)""",
        ),
        (
            "close-loops",
            """print(pcall(function()
                 local guard <close> = setmetatable({}, { __close = function()
                   for i = 1, 1e7 do end return end })
                 os.exit(3)
               end))""",
        ),
        (
            "load-reader",
            "print(load(function() os.exit(3) end))",
        ),
        (
            "coroutine-close",
            """local co = coroutine.create(function()
                 local g <close> = setmetatable({}, { __close = function() os.exit(3) end })
                 coroutine.yield()
               end)
               coroutine.resume(co)
               print(coroutine.close(co))""",
        ),
        (
            "error-tostring",
            "error(setmetatable({}, { __tostring = function() os.exit(3) end }))",
        ),
        (
            "sort-comparator",
            "print(pcall(table.sort, { 3, 2, 1 }, function() os.exit(3) end))",
        ),
        ("gsub", 'print(pcall(string.gsub, "abc", "%w", function() os.exit(3) end))'),
    ],
)
def test_os_exit_cannot_be_swallowed(isolated_home, name, body):
    code, lines, err = attack(isolated_home, body + '\nprint("survived")\n')
    assert (code, lines, err) == (3, [], "")


def test_a_stop_swallowed_in_a_loop_is_raised_again(isolated_home):
    # Catch the exit, then keep trying to run: every later catch point raises it again.
    code, lines, _err = attack(
        isolated_home,
        """
        for i = 1, 1e6 do
          pcall(function()
            local g <close> = setmetatable({}, { __close = function() error("no", 0) end })
            if i == 1 then os.exit(3) end
          end)
        end
        print("survived")
        """,
    )
    assert (code, lines) == (3, [])


def test_pulls_go_only_to_the_default_registries(isolated_home):
    code, lines, err = attack(
        isolated_home,
        TRY
        + """
        try("ollama-host", LocalLLM.pull, "ollama/evil.example.com/secret-data/m")
        try("at-host", LocalLLM.pull, "evil.example.com/ns/m:latest@ollama")
        try("port", LocalLLM.pull, "ollama/evil.example.com:8080/ns/m")
        try("local-host", LocalLLM.pull, "local/evil.example.com/ns/m")
        try("gguf-host", LocalLLM.pull, "gguf/evil.example.com/owner/repo:Q4_K_M")
        try("library", LocalLLM.pull, "ollama/registry.ollama.ai/library/phi3:3.8b")
        print("survived")
        """,
    )
    assert code == 0, err
    result = outcomes(lines)
    assert result["ollama-host"] == (
        "refused\tattack.lua:3: LocalLLM.pull: 'ollama/evil.example.com/secret-data/m' "
        "names the registry host 'evil.example.com', and a sandboxed script may pull only "
        "from the default registries (the Ollama library, Hugging Face); run with "
        "--allow-unsafe to pull from other hosts, or list the host in pull_hosts under [lua] "
        "in llmspell.toml."
    )
    for label in ("at-host", "local-host", "gguf-host"):
        assert "names the registry host" in result[label], (label, result[label])
    assert "may hold only letters" in result["port"]  # the spec grammar has no ports
    assert "names the registry host" not in result["library"]  # refused only as Ollama is down


def test_a_configured_host_may_be_pulled_from(isolated_home):
    (isolated_home / "llmspell.toml").write_text('[lua]\npull_hosts = ["models.example.org"]\n')
    code, lines, err = attack(
        isolated_home,
        TRY
        + """
        try("listed", LocalLLM.pull, "ollama/models.example.org/ns/m")
        try("other", LocalLLM.pull, "ollama/evil.example.com/ns/m")
        """,
    )
    assert code == 0, err
    result = outcomes(lines)
    assert "names the registry host" not in result["listed"]  # refused only as Ollama is down
    assert "names the registry host 'evil.example.com'" in result["other"]
    (isolated_home / "llmspell.toml").write_text("[lua]\npull_hosts = 7\n")
    _code, lines, _err = attack(isolated_home, TRY + 'try("bad", LocalLLM.pull, "ollama/a/b/c")')
    assert "pull_hosts under [lua] in " in lines[0]
    assert 'must be a list of host names, e.g. pull_hosts = ["registry.example.com"].' in lines[0]


def test_an_agent_that_would_auto_pull_from_another_host_is_refused(isolated_home):
    (isolated_home / "llmspell.toml").write_text("auto_pull_missing = true\n")
    code, _lines, err = attack(
        isolated_home,
        'Agent.create({ model = "ollama/evil.example.com/data/m" })\n',
    )
    assert code == 1
    assert "Agent.create: 'ollama/evil.example.com/data/m' names the registry host" in err


def test_crash_attempts_end_as_lua_errors(isolated_home):
    code, lines, err = attack(
        isolated_home,
        TRY
        + """
        local t = setmetatable({}, {}) getmetatable(t).__index = function(s, k) return s[k] end
        try("index-recursion", function() return t.x end)
        try("gsub-recursion", function()
          local function f(s) return (s:gsub(".", f)) end return f("abc")
        end)
        try("tostring-recursion", function()
          local o o = setmetatable({}, { __tostring = function() return tostring(o) end })
          return tostring(o)
        end)
        try("coroutine-nesting", function()
          local function nest(n) return coroutine.wrap(function() return nest(n + 1) end)() end
          return nest(1)
        end)
        try("lua-recursion", function() local function f() return 1 + f() end return f() end)
        try("pattern-too-complex", string.find, string.rep("a", 300000), string.rep("a?", 300000))
        try("pattern-malformed", string.find, "x", "[%")
        try("unpack-huge", function() return table.unpack({}, 1, 1e8) end)
        try("rep-huge", string.rep, "x", 1 << 40)
        try("format-width", string.format, "%999d", 1)
        try("concat-huge", table.concat, {}, "", 1, 1e8)
        try("deep-parse", function() return assert(load(string.rep("(", 100000))) end)
        try("utf8-huge", utf8.char, 1 << 40)
        try("os-date", os.date, "%Ez")
        try("os-time", os.time, { year = 1 << 62, month = 1, day = 1 })
        try("close-running", coroutine.close, (coroutine.running()))
        try("resume-running", function() return assert(coroutine.resume(coroutine.running())) end)
        print("survived")
        """,
    )
    assert code == 0, err
    assert lines[-1] == "survived"
    result = outcomes(lines)
    assert all(verdict.startswith("refused") for verdict in result.values() if verdict), result
    assert result["close-running"] == "refused\tcannot close a running coroutine"
    assert "llmspell/" not in "\n".join(lines)  # errors never point into llmspell's own Lua


# -- Ctrl-C: a real SIGINT to a real `llmspell` process --------------------------------


def interrupt_after_ready(argv: list[str], stdin: int | None = None) -> tuple[int, float, str]:
    """Start llmspell, wait for the script's "ready" line, send SIGINT; (code, seconds, err)."""
    import signal
    import subprocess
    import time

    from tests.lua.helpers import LLMSPELL

    proc = subprocess.Popen(
        [str(LLMSPELL), *argv],
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout.readline() == b"ready\n"
        time.sleep(0.3)  # well inside the loop
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
        elapsed = time.monotonic() - sent
    finally:
        proc.kill()
        proc.wait()
    return code, elapsed, proc.stderr.read().decode()


@pytest.mark.parametrize(
    ("name", "loop"),
    [
        ("busy loop", "while true do end"),
        (
            "pcall and <close> swallowing every error",
            """while true do
                 pcall(function()
                   local g <close> = setmetatable({}, { __close = function() error("no", 0) end })
                   while true do end
                 end)
               end""",
        ),
        ("load reader", "while true do load(function() while true do end end) end"),
        (
            "coroutines",
            "while true do\n"
            "  coroutine.resume(coroutine.create(function() while true do end end))\n"
            "end",
        ),
    ],
)
def test_ctrl_c_ends_a_pure_lua_loop_within_a_second(isolated_home, name, loop):
    code, elapsed, err = interrupt_after_ready(["exec", f'print("ready")\n{loop}'])
    assert (code, err) == (130, "Interrupted.\n")
    assert elapsed < 1.0, elapsed


def test_ctrl_c_ends_a_script_stuck_in_one_long_c_call_within_a_second(isolated_home):
    # A pathological pattern runs for hours inside Lua's C matcher, where no hook runs.
    pattern = 'print("ready") string.find(string.rep("a", 5000), ".-.-.-.-.-.-b")'
    code, elapsed, err = interrupt_after_ready(["exec", pattern])
    assert (code, err) == (130, "Interrupted.\n")
    assert elapsed < 1.0, elapsed


def test_ctrl_c_ends_a_script_waiting_for_input(isolated_home):
    import subprocess

    reader, writer = os.pipe()  # stdin that never gets a line
    try:
        code, elapsed, _err = interrupt_after_ready(
            ["exec", 'print("ready") local line = io.read("l") while true do end'], stdin=reader
        )
    finally:
        os.close(reader)
        os.close(writer)
    assert code == 130
    assert elapsed < 1.0, elapsed
    assert subprocess  # the read is interrupted, then the loop is


# -- The Lua memory limit ---------------------------------------------------------------

MEMORY = (
    "exec stopped: it needed more than the {limit} of Lua memory it may use; raise the limit "
    "with --max-memory (e.g. --max-memory 1G) or max_memory under [lua] in llmspell.toml.\n"
)


def test_a_growing_table_ends_with_one_sentence_and_exit_1():
    ran = llmspell_cli("exec", "local t = {} for i = 1, 1e10 do t[i] = i end")
    assert (ran.code, ran.out, ran.err) == (1, "", MEMORY.format(limit="256M"))


def test_the_memory_limit_cannot_be_caught_and_the_limit_is_adjustable(isolated_home):
    grow = (
        "print(pcall(function()\n"
        '  local t = {} for i = 1, 1e10 do t[i] = ("x"):rep(100) .. i end\n'
        'end))\nprint("survived")'
    )
    ran = llmspell_cli("exec", "--max-memory", "64M", grow)
    assert (ran.code, ran.out, ran.err) == (1, "", MEMORY.format(limit="64M"))
    (isolated_home / "llmspell.toml").write_text('[lua]\nmax_memory = "32M"\n')
    ran = llmspell_cli("exec", grow)
    assert (ran.code, ran.err) == (1, MEMORY.format(limit="32M"))
    ran = llmspell_cli("exec", "--max-memory", "lots", "print(1)")
    assert (ran.code, ran.err) == (
        2,
        "Error: --max-memory takes a size such as 256M, 1G or 500000000 (bytes), got 'lots'.\n",
    )


def test_a_runtime_stays_usable_after_hitting_the_limit(capfd):
    import llmspell
    from llmspell_lua.runtime import ScriptRuntime

    runtime = ScriptRuntime(llmspell.Manager(), max_memory=16 << 20)
    first = runtime.run_code("local t = {} for i = 1, 1e10 do t[i] = i end")
    assert (first.exit_code, first.stopped) == (1, "memory")
    second = runtime.run_code('print("fine", #string.rep("x", 1000))')
    assert (second.exit_code, capfd.readouterr().out) == (0, "fine\t1000\n")


@pytest.mark.slow
def test_ctrl_c_stops_a_generation_within_a_second(smollm2):
    code, elapsed, err = interrupt_after_ready(
        [
            "exec",
            f'local a = Agent.create({{ model = "{smollm2}", max_tokens = 4000 }})\n'
            'print("ready")\n'
            'print(pcall(a.complete, a, "Write a very long story."))\n'
            'print("not reached")',
        ]
    )
    assert (code, err) == (130, "Interrupted.\n")
    assert elapsed < 1.0, elapsed
