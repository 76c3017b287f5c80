"""`llmspell run` and `llmspell exec`: run Lua, print a Lua error as `file:line: message`.

Both return the exit code (the script's `os.exit(n)`, 0 normally, 1 after a Lua error or
at the memory limit, 130 after Ctrl-C) and raise `llmspell` errors for problems with the
command itself (a missing script, a bad --max-memory: exit 2).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import llmspell
from llmspell import BadInputError


def _finish(outcome) -> int:
    if outcome.error is not None:
        sys.stdout.flush()
        print(outcome.error, file=sys.stderr, flush=True)
    return outcome.exit_code


def _runtime(manager, allow_unsafe: bool, max_memory: str | int | None):
    from .runtime import ScriptRuntime, parse_size

    limit = None if max_memory is None else parse_size(max_memory)
    return ScriptRuntime(manager, allow_unsafe=allow_unsafe, max_memory=limit)


def read_script(script: str) -> bytes:
    """The script's source; a missing or unreadable one is bad input (here or in a kernel)."""
    if not os.path.exists(script):
        if "/" not in script and not script.endswith(".lua"):  # `run MODEL`, as with Ollama (#15)
            raise BadInputError(
                f"There is no script {script}. To talk to a model, run: llmspell chat {script}"
            )
        raise BadInputError(
            f"Script {script} does not exist. Check the path, or run inline code with "
            "llmspell exec 'print(1)'."
        )
    if not os.path.isfile(script):
        raise BadInputError(f"{script} is not a file; llmspell run takes a Lua script.")
    try:
        with open(script, "rb") as f:
            return f.read()
    except OSError as exc:
        raise BadInputError(f"Script {script} cannot be read: {exc.strerror}.") from None


def run_script(
    script: str,
    args: Sequence[str] = (),
    *,
    allow_unsafe: bool = False,
    max_memory: str | int | None = None,
    manager: llmspell.Manager | None = None,
) -> int:
    """Run the Lua file `script` with `args` in `arg`, `ARGS` and `...`."""
    source = read_script(script)
    runtime = _runtime(manager, allow_unsafe, max_memory)
    with runtime.ctrl_c_interrupts():
        outcome = runtime.run(source, "@" + script, script, args)
    return _finish(outcome)


def exec_code(
    code: str,
    args: Sequence[str] = (),
    *,
    allow_unsafe: bool = False,
    max_memory: str | int | None = None,
    manager: llmspell.Manager | None = None,
) -> int:
    """Run the Lua source `code` (errors are reported as `(exec):LINE: message`)."""
    runtime = _runtime(manager, allow_unsafe, max_memory)
    with runtime.ctrl_c_interrupts():
        outcome = runtime.run_code(code, args)
    return _finish(outcome)
