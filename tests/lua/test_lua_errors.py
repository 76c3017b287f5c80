"""Errors name the script and line, exit 1; llmspell errors are Lua errors pcall can catch."""

from __future__ import annotations


def test_a_syntax_error_names_the_file_and_line(lua_file):
    ran = lua_file('print("fine")\nlocal x = = 2\n', name="broken.lua")
    assert (ran.code, ran.out) == (1, "")  # nothing runs when the file does not compile
    assert ran.err == "broken.lua:2: unexpected symbol near '='\n"


def test_a_runtime_error_names_the_file_and_line_after_earlier_output(lua_file):
    ran = lua_file('print("before")\nlocal t = nil\nprint(t.field)\n')
    assert (ran.code, ran.out) == (1, "before\n")
    assert ran.err == "script.lua:3: attempt to index a nil value (local 't')\n"


def test_error_with_a_table_value_is_still_reported(lua_file):
    ran = lua_file("error({ code = 7 })\n")
    assert (ran.code, ran.err) == (1, "(error object is a table value)\n")
    ran = lua_file('error(setmetatable({}, { __tostring = function() return "custom" end }))\n')
    assert (ran.code, ran.err) == (1, "custom\n")


def test_an_llmspell_error_becomes_a_lua_error_at_the_calling_line(lua_file):
    ran = lua_file('local x = 1\nlocal info = LocalLLM.info("nosuchmodel:1b@gguf")\n')
    assert ran.code == 1
    assert ran.err.startswith("script.lua:2: ")
    assert "nosuchmodel:1b" in ran.err


def test_pcall_catches_llmspell_errors_as_strings_with_the_same_message(lua_file):
    ran = lua_file(
        """local ok, e = pcall(function()
  local agent = Agent.create({ model = "local/nosuchmodel:1b" })
  return agent
end)
print(ok, type(e))
print(e)
"""
    )
    assert ran.code == 0, ran.err
    lines = ran.out.splitlines()
    assert lines[0] == "false\tstring"
    assert lines[1].startswith("script.lua:2: No installed backend has 'nosuchmodel:1b'")


def test_errors_through_pcall_point_at_the_calling_line(lua_file):
    ran = lua_file('\nprint(pcall(LocalLLM.info, "nosuchmodel:1b@gguf"))\n')
    assert ran.out.startswith("false\tscript.lua:2: ")


def test_bad_arguments_name_the_argument_and_the_line(lua_file):
    ran = lua_file('\nlocal a = Agent.create({ model = "echo@echo", temperature = "hot" })\n')
    assert ran.code == 1
    assert ran.err == (
        'script.lua:2: Agent.create: temperature must be a number, got string "hot".\n'
    )


def test_os_exit_ends_the_script_with_its_code(lua):
    assert lua('print("a") os.exit(3) print("b")').code == 3
    assert lua("os.exit(true)").code == 0
    assert lua("os.exit(false)").code == 1
    assert lua("os.exit()").code == 0
    ran = lua('print("a") os.exit(3) print("b")')
    assert ran.out == "a\n"


def test_os_exit_cannot_be_swallowed_by_pcall(lua):
    ran = lua(
        """
        print(pcall(function() os.exit(4) end))
        print(xpcall(function() os.exit(5) end, debug.traceback))
        print(coroutine.resume(coroutine.create(function() os.exit(6) end)))
        """
    )
    assert (ran.code, ran.out) == (4, "")


def test_pcall_and_xpcall_still_catch_ordinary_errors(lua):
    ran = lua(
        """
        print(pcall(error, "plain"))
        print(xpcall(function() error("deep") end, function(e) return "handled: " .. e end))
        print(coroutine.resume(coroutine.create(function() error("in co", 0) end)))
        """
    )
    assert ran.out.splitlines() == [
        "false\tplain",
        "false\thandled: (exec):3: deep",
        "false\tin co",
    ]


def test_an_error_in_a_pull_progress_callback_stops_the_pull(lua):
    ran = lua(
        """
        local ok, e = pcall(LocalLLM.pull, "gguf/smollm2:135m",
                            { progress = function() error("enough") end })
        print(ok, e)
        print(#LocalLLM.list("gguf"))
        """
    )
    # The message is the callback's own, with its line (once), and nothing was installed.
    assert ran.out.splitlines() == ["false\t(exec):3: enough", "0"]


def test_an_interrupt_ends_the_script_even_inside_pcall(runtime, capfd):
    import threading

    threading.Timer(0.3, runtime.interrupt).start()  # as the kernel's interrupt_request does
    outcome = runtime.run_code(
        'print(pcall(function() while true do end end))\nprint("after")\n', ()
    )
    assert (outcome.exit_code, outcome.error, outcome.stopped) == (130, "Interrupted.", "interrupt")
    assert capfd.readouterr().out == ""


def test_an_interrupt_just_before_the_run_starts_is_not_lost(runtime, capfd):
    """An embedding front end (the kernel) interrupts its request, then the run begins and
    clears `interrupt()`'s flag: the caller's own `stopped` still ends the script."""
    interrupted = True  # set before `run` was called
    outcome = runtime.run(
        'for _ = 1, 3e7 do end\nprint("after")\n', "=(cell)", "cell", stopped=lambda: interrupted
    )
    assert (outcome.exit_code, outcome.error, outcome.stopped) == (130, "Interrupted.", "interrupt")
    assert runtime.run_code('print("next")', ()).exit_code == 0  # the predicate was dropped
    assert capfd.readouterr().out == "next\n"


def test_invalid_utf8_is_replaced_not_a_crash(lua):
    ran = lua(
        """
        local a = Agent.create({ model = "echo@echo" })
        print(a:complete("caf\\xe9 ok"))
        error("bad \\xff byte")
        """
    )
    assert ran.code == 1
    assert ran.out == "caf\ufffd ok \n"
    assert ran.err == "(exec):4: bad \ufffd byte\n"


def test_a_table_that_contains_itself_is_an_error_not_a_hang(lua):
    ran = lua('local t = { model = "echo@echo" }\nt.self = t\nAgent.create(t)\n')
    assert (ran.code, ran.err) == (
        1,
        "(exec):3: Agent.create: field self refers back to a table that contains it.\n",
    )


def test_os_exit_in_a_pull_progress_callback_ends_the_script(lua):
    ran = lua(
        """
        LocalLLM.pull("gguf/smollm2:135m", { progress = function() os.exit(5) end })
        print("not reached")
        """
    )
    assert (ran.code, ran.out) == (5, "")
    assert lua('print(#LocalLLM.list("gguf"))').out == "0\n"
