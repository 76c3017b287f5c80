"""The default sandbox: harmless Lua works, each dangerous call fails with a clear message."""

from __future__ import annotations

import pytest

HINT = "is disabled in the sandbox; run with --allow-unsafe to enable it"


@pytest.mark.parametrize(
    ("call", "name"),
    [
        ('os.execute("touch pwned")', "os.execute"),
        ('io.popen("echo pwned")', "io.popen"),
        ('os.remove("victim.txt")', "os.remove"),
        ('os.rename("victim.txt", "moved.txt")', "os.rename"),
        ("os.tmpname()", "os.tmpname"),
        ('os.setlocale("C")', "os.setlocale"),
        ("io.tmpfile()", "io.tmpfile"),
        ('package.loadlib("libc.so.6", "system")', "package.loadlib"),
        ('io.open("new.txt", "w")', 'io.open with mode "w" (writing)'),
        ('io.open("victim.txt", "a")', 'io.open with mode "a" (writing)'),
        ('io.open("victim.txt", "r+")', 'io.open with mode "r+" (writing)'),
        ('io.output("new.txt")', "io.output to a file (writing)"),
        ("debug.getinfo(1)", "debug.getinfo"),
        ("debug.sethook(print, 'l')", "debug.sethook"),
        ('load("return 1", "x", "b")', 'load with mode "b" (binary chunks)'),
        ('loadfile("victim.txt", "bt")', 'loadfile with mode "bt" (binary chunks)'),
    ],
)
def test_each_dangerous_call_fails_clearly_at_the_scripts_line(lua_file, call, name):
    ran = lua_file(f'local x = 1\n{call}\nprint("not reached")\n')
    assert ran.code == 1
    assert ran.out == ""
    assert ran.err == f"script.lua:2: {name} {HINT}\n"


def test_nothing_forbidden_happened(lua, isolated_home):
    (isolated_home / "victim.txt").write_text("data")
    for call in ['os.execute("touch pwned")', 'os.remove("victim.txt")', 'io.open("new.txt", "w")']:
        lua(f"pcall(function() {call} end)")
    assert sorted(p.name for p in isolated_home.iterdir() if p.suffix != "") == ["victim.txt"]
    assert not (isolated_home / "pwned").exists()


def test_c_modules_cannot_be_required_but_lua_modules_can(lua_file, isolated_home):
    (isolated_home / "helper.lua").write_text("return { answer = 42 }")
    ran = lua_file('print(require("helper").answer)\nrequire("lfs")\n')
    assert ran.out == "42\n"
    assert ran.code == 1
    assert "module 'lfs' not found" in ran.err
    assert f"loading C modules {HINT}" in ran.err


def test_bytecode_cannot_be_made_or_loaded(lua):
    ran = lua('print(string.dump, ("").dump)\nprint(load("\\27Lua\\84\\0"))')
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[0] == "nil\tnil"
    assert "attempt to load a binary chunk (mode is 't')" in ran.out


def test_harmless_parts_of_the_standard_library_work(lua, isolated_home, monkeypatch):
    monkeypatch.setenv("GREETING", "hello")
    (isolated_home / "notes.txt").write_text("first\nsecond\n")
    ran = lua(
        """
        print(os.getenv("GREETING"), type(os.clock()), math.type(os.time()))
        print(os.date("!%Y-%m-%d", 0), os.difftime(10, 4))
        print(string.rep("ab", 2), table.concat({1, 2}, ","), math.max(3, 7), utf8.char(233))
        local f = io.open("notes.txt") print(f:read("l")) f:close()
        for line in io.lines("notes.txt") do io.write(line, ";") end print()
        print(load("return 1 + 1")(), pcall(error, "x"))
        print(select("#", debug.traceback()), python, llmspell.sandboxed)
        """
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        "hello\tnumber\tinteger",
        "1970-01-01\t6.0",
        "abab\t1,2\t7\té",
        "first",
        "first;second;",
        "2\tfalse\tx",
        "1\tnil\ttrue",
    ]


def test_allow_unsafe_lifts_the_sandbox(lua, isolated_home):
    ran = lua(
        """
        print(os.execute("true"))
        local f = assert(io.open("out.txt", "w")) f:write("written") f:close()
        print(type(debug.getinfo(1)), llmspell.sandboxed)
        """,
        allow_unsafe=True,
    )
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == ["true\texit\t0", "table\tfalse"]
    assert (isolated_home / "out.txt").read_text() == "written"


def test_no_python_object_is_reachable(lua):
    ran = lua(
        """
        print(python, package.loaded.python)
        for name, v in pairs(_G) do
          if type(v) == "userdata" then print("userdata global", name) end
        end
        for _, api in ipairs({ LocalLLM, Agent }) do
          for name, f in pairs(api) do print(name, type(f)) end
        end
        """
    )
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0] == "nil\tnil"
    assert not [line for line in lines if "userdata" in line]
    assert all(line.endswith("\tfunction") for line in lines[1:])


def test_an_embedding_front_end_gets_the_output_and_can_interrupt_from_a_thread(capfd):
    import threading

    import llmspell
    from llmspell_lua.runtime import ScriptRuntime

    written: list[tuple[str, str]] = []
    runtime = ScriptRuntime(llmspell.Manager(), output=lambda s, t: written.append((s, t)))
    first = runtime.run_code(
        'print("a", 1, nil) io.write("b", 2) io.stdout:write("c"):write("d")\n'
        'io.stderr:write("e") print(io.output() == io.stdout, io.type(io.stdout))\n'
        "COUNT = 1"
    )
    assert (first.exit_code, first.error) == (0, None)
    assert written == [
        ("stdout", "a\t1\tnil\n"),
        ("stdout", "b2"),
        ("stdout", "c"),
        ("stdout", "d"),
        ("stderr", "e"),
        ("stdout", "true\tnil\n"),
    ]
    threading.Timer(0.3, runtime.interrupt).start()
    second = runtime.run_code("COUNT = COUNT + 1 while true do end")
    assert (second.exit_code, second.error, second.stopped) == (130, "Interrupted.", "interrupt")
    third = runtime.run_code("print(COUNT)")  # globals persist, the runtime is still usable
    assert third.exit_code == 0 and written[-1] == ("stdout", "2\n")
    assert capfd.readouterr().out == ""
