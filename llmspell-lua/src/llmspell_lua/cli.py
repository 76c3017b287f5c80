"""The cyclopts commands the plugin adds at the root of the `llmspell` CLI."""

from __future__ import annotations

from typing import Annotated

from cyclopts import Parameter

from .commands import exec_code, run_script

_UNSAFE_HELP = (
    "Lift the sandbox: allow os.execute, io.popen, file writes, C modules, bytecode and debug."
)
_ARGS = Parameter(allow_leading_hyphen=True, help="Arguments for the script (arg, ARGS, ...).")


def run(
    script: str,
    /,
    *args: Annotated[str, _ARGS],
    allow_unsafe: Annotated[bool, Parameter(help=_UNSAFE_HELP)] = False,
) -> int:
    """Run a Lua script with the LocalLLM and Agent globals.

    The script sees its arguments in `arg` (arg[0] is the script), the `ARGS` table and `...`.
    Put `--` before arguments that would otherwise be read as llmspell options.
    """
    return run_script(script, args, allow_unsafe=allow_unsafe)


def exec_(
    code: str,
    /,
    *args: Annotated[str, _ARGS],
    allow_unsafe: Annotated[bool, Parameter(help=_UNSAFE_HELP)] = False,
) -> int:
    """Run inline Lua code, e.g. llmspell exec 'print(LocalLLM.status().gguf.ready)'."""
    return exec_code(code, args, allow_unsafe=allow_unsafe)
