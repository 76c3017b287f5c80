"""Exit codes, and how failures reach the user: one plain message on stderr.

0 success, 1 runtime failure (`llmspell.RuntimeFailure`), 2 bad input (`llmspell.BadInputError`
and usage errors), 130 interrupted. A traceback only with `--debug`.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any

OK = 0
FAILURE = 1
BAD_INPUT = 2
INTERRUPTED = 130


def error(message: str) -> None:
    print(f"Error: {message}", file=sys.stderr)


def exit_code_of(result: Any) -> int:
    """A command returns an int exit code, or None for success."""
    if result is None:
        return OK
    if isinstance(result, bool):
        return OK if result else FAILURE
    if isinstance(result, int):
        return result
    return OK


def exit_code_of_system_exit(exc: SystemExit) -> int:
    """`sys.exit(None | int | message)` as the shell would see it."""
    if exc.code is None or isinstance(exc.code, int):
        return exc.code or OK
    print(exc.code, file=sys.stderr)
    return FAILURE


def usage_error(exc: Exception) -> int:
    """cyclopts' parse errors (unknown flag, missing argument) as a short message, exit 2."""
    chain = " ".join(getattr(exc, "command_chain", None) or ())
    command = f"llmspell {chain}".strip()
    error(str(exc).strip() or type(exc).__name__)
    print(f"Run '{command} --help' for usage.", file=sys.stderr)
    return BAD_INPUT


def failure(exc: BaseException, debug: bool) -> int:
    """An exception raised by a command, mapped to its exit code."""
    from llmspell import LlmspellError

    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, LlmspellError):
        error(exc.message)
        return exc.exit_code
    if isinstance(exc, KeyboardInterrupt):
        print("Interrupted.", file=sys.stderr)
        return INTERRUPTED
    reason = f"{type(exc).__name__}: {exc}"
    hint = "" if debug else " Run again with --debug for the traceback."
    error(f"unexpected failure ({reason}). This is a bug in llmspell or a plugin.{hint}")
    return FAILURE
