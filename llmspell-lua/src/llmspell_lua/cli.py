"""The cyclopts commands the plugin adds at the root of the `llmspell` CLI."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from cyclopts import Parameter

from .commands import exec_code, run_script

_UNSAFE_HELP = (
    "Lift the sandbox: allow os.execute, io.popen, file writes, C modules, bytecode and debug."
)
_ARGS = Parameter(allow_leading_hyphen=True, help="Arguments for the script (arg, ARGS, ...).")
# `--threads N` travels as LLMSPELL_CPU_THREADS, which the GGUF loader reads (#15).
_THREADS = Parameter(help="CPU threads for GGUF models (default: free cores).")


def _use_threads(threads: int | None) -> None:
    if threads is None:
        return
    if threads < 1:
        from llmspell import BadInputError

        raise BadInputError(f"--threads must be 1 or more, got {threads}.")
    os.environ["LLMSPELL_CPU_THREADS"] = str(threads)


def run(
    script: Path,  # a Path, so that shell completion offers files (#15)
    /,
    *args: Annotated[str, _ARGS],
    allow_unsafe: Annotated[bool, Parameter(help=_UNSAFE_HELP)] = False,
    threads: Annotated[int | None, _THREADS] = None,
) -> int:
    """Run a Lua script with the LocalLLM and Agent globals.

    The script sees its arguments in `arg` (arg[0] is the script), the `ARGS` table and `...`.
    Put `--` before arguments that would otherwise be read as llmspell options.
    """
    _use_threads(threads)
    return run_script(str(script), args, allow_unsafe=allow_unsafe)


def exec_(
    code: str,
    /,
    *args: Annotated[str, _ARGS],
    allow_unsafe: Annotated[bool, Parameter(help=_UNSAFE_HELP)] = False,
    threads: Annotated[int | None, _THREADS] = None,
) -> int:
    """Run inline Lua code, e.g. llmspell exec 'print(LocalLLM.status().gguf.ready)'."""
    _use_threads(threads)
    return exec_code(code, args, allow_unsafe=allow_unsafe)
