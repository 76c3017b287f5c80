"""`llmspell run` and `llmspell exec` through the installed command, in a subprocess."""

from __future__ import annotations

import subprocess
import time

from tests.lua.helpers import LLMSPELL, llmspell_cli

ARGS_SCRIPT = """
print("arg", arg[0], #arg, table.concat(arg, ","))
print("ARGS", ARGS[0], #ARGS, table.concat(ARGS, ","), ARGS.name, ARGS.flag)
print("...", select("#", ...), ...)
"""


def test_run_passes_arguments_as_arg_ARGS_and_varargs(isolated_home):
    (isolated_home / "args.lua").write_text(ARGS_SCRIPT)
    ran = llmspell_cli("run", "args.lua", "one", "--name", "bob", "two", "--flag")
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        "arg\targs.lua\t5\tone,--name,bob,two,--flag",
        "ARGS\targs.lua\t2\tone,two\tbob\ttrue",
        "...\t5\tone\t--name\tbob\ttwo\t--flag",
    ]


def test_arguments_after_a_double_dash_reach_the_script_untouched(isolated_home):
    (isolated_home / "args.lua").write_text(ARGS_SCRIPT)
    ran = llmspell_cli("run", "args.lua", "--", "--allow-unsafe", "x")
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[0] == "arg\targs.lua\t2\t--allow-unsafe,x"
    assert "sandboxed" not in ran.out


def test_exec_runs_inline_code_with_arguments():
    ran = llmspell_cli("exec", "print(arg[0], llmspell.sandboxed, ...)", "a", "b")
    assert (ran.code, ran.out, ran.err) == (0, "exec\ttrue\ta\tb\n", "")


def test_the_script_exit_code_is_the_command_exit_code():
    assert llmspell_cli("exec", "os.exit(7)").code == 7
    assert llmspell_cli("exec", "print('done')").code == 0


def test_a_lua_error_prints_file_and_line_and_exits_1(isolated_home):
    (isolated_home / "bad.lua").write_text('print("start")\nerror("went wrong")\n')
    ran = llmspell_cli("run", "bad.lua")
    assert (ran.code, ran.out, ran.err) == (1, "start\n", "bad.lua:2: went wrong\n")
    ran = llmspell_cli("exec", "x = = 1")
    assert (ran.code, ran.err) == (1, "(exec):1: unexpected symbol near '='\n")


def test_a_missing_script_is_bad_input():
    ran = llmspell_cli("run", "nowhere.lua")
    assert ran.code == 2
    assert ran.err.startswith("Error: Script nowhere.lua does not exist.")
    assert "Traceback" not in ran.err


def test_allow_unsafe_works_on_run_and_exec(isolated_home):
    code = 'os.execute("touch made-by-lua")'
    assert llmspell_cli("exec", code).code == 1
    assert not (isolated_home / "made-by-lua").exists()
    assert llmspell_cli("exec", "--allow-unsafe", code).code == 0
    assert (isolated_home / "made-by-lua").exists()
    (isolated_home / "unsafe.lua").write_text('assert(io.open("out.txt", "w")):write("ok")\n')
    assert llmspell_cli("run", "--allow-unsafe", "unsafe.lua").code == 0
    assert (isolated_home / "out.txt").read_text() == "ok"


def test_options_after_the_script_name_belong_to_the_script(isolated_home):
    (isolated_home / "unsafe.lua").write_text(
        'print(llmspell.sandboxed, ...)\nassert(io.open("out.txt", "w")):write("ok")\n'
    )
    ran = llmspell_cli("run", "unsafe.lua", "--allow-unsafe", "--max-memory", "1G")
    assert ran.code == 1
    assert ran.out == "true\t--allow-unsafe\t--max-memory\t1G\n"
    assert ran.err.startswith('unsafe.lua:2: io.open with mode "w" (writing) is disabled')
    assert not (isolated_home / "out.txt").exists()


def test_help_and_debug_after_the_script_name_belong_to_the_script(isolated_home):
    (isolated_home / "hello").write_text('print("one", ...)\n')
    ran = llmspell_cli("run", "hello", "--help", "--debug")
    assert (ran.code, ran.out, ran.err) == (0, "one\t--help\t--debug\n", "")
    (isolated_home / "hello").write_text('print("two", ...)\n')
    again = llmspell_cli("run", "hello", "--help", "--debug")  # not replayed as cached help
    assert (again.code, again.out) == (0, "two\t--help\t--debug\n")
    assert llmspell_cli("exec", "--help").out.startswith("Usage: llmspell exec [OPTIONS] CODE")


def test_an_unknown_option_before_the_script_is_bad_input(isolated_home):
    ran = llmspell_cli("run", "--alow-unsafe", "s.lua")
    assert ran.code == 2
    assert ran.err == (
        "Error: llmspell run has no option '--alow-unsafe'; its options (--allow-unsafe, "
        "--max-memory) go before the script, and everything after it goes to the script.\n"
    )


def test_stdin_and_stdout_are_the_real_ones():
    code = """
    io.write("name? ")
    local name = io.read("l")
    local n = io.read("n")
    print("hello " .. name, n * 2)
    for line in io.lines() do io.write("[", line, "]") end
    print()
    """
    ran = llmspell_cli("exec", code, stdin="Ada\n21\nx\ny\n")
    assert (ran.code, ran.out) == (0, "name? hello Ada\t42\n[][x][y]\n"), ran.err


def test_output_reaches_a_pipe_as_it_is_written():
    code = 'io.write("first") local t = os.clock() while os.clock() - t < 1.5 do end print("last")'
    proc = subprocess.Popen(
        [str(LLMSPELL), "exec", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        first = proc.stdout.read(5)
        seen_at = time.monotonic()
        rest = proc.stdout.read()
        done_at = time.monotonic()
    finally:
        proc.wait(timeout=60)
    assert (first, rest) == (b"first", b"last\n")
    assert done_at - seen_at > 0.5  # "first" arrived while the script was still running


def test_a_shebang_line_is_skipped(isolated_home):
    (isolated_home / "tool.lua").write_text(
        "#!/usr/bin/env -S llmspell run\nprint(1)\nerror('x')\n"
    )
    ran = llmspell_cli("run", "tool.lua")
    assert (ran.out, ran.err) == ("1\n", "tool.lua:3: x\n")  # line numbers still match


def test_the_global_config_flag_reaches_scripts(isolated_home):
    (isolated_home / "other.toml").write_text("[providers.echo]\nenabled = false\n")
    code = "print(LocalLLM.status().echo == nil)"
    assert llmspell_cli("exec", code).out == "false\n"
    assert llmspell_cli("--config", "other.toml", "exec", code).out == "true\n"


def test_help_lists_run_and_exec():
    ran = llmspell_cli("--help")
    assert ran.code == 0
    commands = {line.strip("│ ").split(" ")[0] for line in ran.out.splitlines()}
    assert {"run", "exec"} <= commands
