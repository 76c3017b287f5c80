"""The cyclopts commands the plugin adds at the root of the `llmspell` CLI.

`run` and `exec` read their own options, as `python` does: options come before the script
(or code); everything after it belongs to the script, so `llmspell run s.lua --allow-unsafe`
hands `--allow-unsafe` to the script and keeps the sandbox.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from typing import Annotated

import attrs
from cyclopts import Parameter
from llmspell import BadInputError

from .commands import exec_code, run_script

_OPTIONS = """\
Options (before {what}; everything after it is the script's):
  --allow-unsafe     Lift the sandbox: allow os.execute, io.popen, file writes, C modules,
                     bytecode, debug, and pulls from any registry host.
  --max-memory SIZE  The script's Lua memory limit, e.g. 512M or 2G (default 256M, or
                     max_memory under [lua] in llmspell.toml; 0 for none).
  --connect KERNEL   Run in a running kernel (its id or connection file; also
                     LLMSPELL_CONNECT): models stay loaded between runs.
  --threads N        CPU threads for GGUF models (default: the cores other processes
                     leave free; also LLMSPELL_CPU_THREADS).
  -h, --help         Show this help.
"""

RUN_HELP = f"""\
Usage: llmspell run [OPTIONS] SCRIPT [ARGS...]

Run a Lua script with the LocalLLM and Agent globals.

The script sees its arguments in `arg` (arg[0] is the script), the `ARGS` table and `...`.

{_OPTIONS.format(what="SCRIPT")}"""

EXEC_HELP = f"""\
Usage: llmspell exec [OPTIONS] CODE [ARGS...]

Run inline Lua code, e.g. llmspell exec 'print(LocalLLM.status().gguf.ready)'.

{_OPTIONS.format(what="CODE")}"""


def _complete_files(context) -> list[str]:
    """Shell completion offers files for the script (#15)."""
    typed = getattr(context, "incomplete", "") or ""
    found = glob.glob(os.path.expanduser(typed) + "*")
    return sorted(p + "/" if os.path.isdir(p) else p for p in found)


_TOKENS = Parameter(
    allow_leading_hyphen=True,
    help="Options, then the script and its arguments.",
    completer=_complete_files,
)


@attrs.frozen
class Invocation:
    target: str | None
    args: tuple[str, ...]
    allow_unsafe: bool = False
    max_memory: str | None = None
    help: bool = False
    connect: str | None = None
    threads: int | None = None


def parse_tokens(command: str, tokens: Sequence[str]) -> Invocation:
    """llmspell's options up to the first other token, which is the script or the code."""
    options: dict[str, object] = {}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        name, eq, value = token.partition("=")
        if token in ("-h", "--help"):
            options["help"] = True
        elif token == "--allow-unsafe":
            options["allow_unsafe"] = True
        elif name in ("--max-memory", "--connect"):
            if not eq:
                i += 1
                if i == len(tokens):
                    example = "a size, e.g. 512M" if name == "--max-memory" else "a kernel id"
                    raise BadInputError(f"llmspell {command}: {name} needs {example}.")
                value = tokens[i]
            options[name[2:].replace("-", "_")] = value
        elif name == "--threads":  # travels as LLMSPELL_CPU_THREADS to the GGUF loader (#15)
            if not eq:
                i += 1
                value = tokens[i] if i < len(tokens) else ""
            options["threads"] = _thread_count(command, value)
        elif token == "--":
            i += 1
            break
        elif token.startswith("-") and token != "-":
            raise BadInputError(
                f"llmspell {command} has no option {token!r}; its options (--allow-unsafe, "
                f"--max-memory) go before the {'script' if command == 'run' else 'code'}, "
                "and everything after it goes to the script."
            )
        else:
            break
        i += 1
    target = tokens[i] if i < len(tokens) else None
    return Invocation(target, tuple(tokens[i + 1 :]), **options)  # type: ignore[arg-type]


def _thread_count(command: str, value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise BadInputError(f"llmspell {command}: --threads needs a count of 1 or more, e.g. 2.")
    return int(value)


def _use_threads(call: Invocation) -> None:
    if call.threads is not None:
        os.environ["LLMSPELL_CPU_THREADS"] = str(call.threads)


def run(*tokens: Annotated[str, _TOKENS]) -> int:
    """Run a Lua script with the LocalLLM and Agent globals.

    Usage: llmspell run [--allow-unsafe] [--max-memory SIZE] SCRIPT [ARGS...]

    Options go before SCRIPT; everything after it belongs to the script
    (arg, ARGS and ...). --allow-unsafe lifts the sandbox (file writes,
    processes, C modules, bytecode, debug, pulls from any host).
    --max-memory SIZE sets the Lua memory limit (default 256M, 0 for none).
    --threads N sets the CPU threads of GGUF models (default: the free cores).
    """
    return _invoke("run", tokens, RUN_HELP, "a script: llmspell run SCRIPT [ARGS...]")


def exec_(*tokens: Annotated[str, _TOKENS]) -> int:
    """Run inline Lua code, e.g. llmspell exec 'print(LocalLLM.status().gguf.ready)'.

    Usage: llmspell exec [--allow-unsafe] [--max-memory SIZE] CODE [ARGS...]

    Options go before CODE; everything after it belongs to the script
    (arg, ARGS and ...). --allow-unsafe lifts the sandbox (file writes,
    processes, C modules, bytecode, debug, pulls from any host).
    --max-memory SIZE sets the Lua memory limit (default 256M, 0 for none).
    --threads N sets the CPU threads of GGUF models (default: the free cores).
    """
    return _invoke("exec", tokens, EXEC_HELP, "Lua code: llmspell exec 'print(1)' [ARGS...]")


def _invoke(command: str, tokens: Sequence[str], help_text: str, needs: str) -> int:
    """`run` and `exec` alike: help, the kernel (`--connect`), or this process."""
    call = parse_tokens(command, tokens)
    if call.help:
        print(help_text, end="")
        return 0
    if call.target is None:
        raise BadInputError(f"llmspell {command} needs {needs}.")
    limits = {"allow_unsafe": call.allow_unsafe, "max_memory": call.max_memory}
    if connected := _connected(call):  # the kernel (llmspell-kernel) runs it
        remote = connected.run_script if command == "run" else connected.exec_code
        return remote(connected_to(call), call.target, call.args, **limits)
    _use_threads(call)
    local = run_script if command == "run" else exec_code
    return local(call.target, call.args, **limits)


def connected_to(call: Invocation) -> str | None:
    """The kernel named by --connect, else by LLMSPELL_CONNECT (None: run here)."""
    import os

    return call.connect or os.environ.get("LLMSPELL_CONNECT") or None


def _connected(call: Invocation):
    """`llmspell_kernel.client` when the work goes to a kernel; None to run embedded."""
    if connected_to(call) is None:
        return None
    try:
        from llmspell_kernel import client
    except ImportError:
        message = "Connected mode needs the kernel: pip install llmspell-kernel"
        raise BadInputError(message) from None
    return client
