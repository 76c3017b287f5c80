"""Entry point of the `llmspell` console script."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not `typing`'s: help served from the cache must start fast
if TYPE_CHECKING:
    from collections.abc import Sequence


def run(argv: Sequence[str] | None = None) -> int:
    """Run one command line and return its exit code (no `sys.exit`, so tests can call it)."""
    from cyclopts.exceptions import CycloptsError

    from . import errors, session
    from .app import build_app

    tokens = list(sys.argv[1:] if argv is None else argv)
    state = session.start()
    state.debug = "--debug" in tokens  # also covers failures before the flag is parsed
    try:
        app = build_app()
        tokens = _pass_through(app, tokens, state)
        result = app.meta(tokens, exit_on_error=False, print_error=False)
        sys.stdout.flush()
    except CycloptsError as exc:
        return errors.usage_error(exc)
    except SystemExit as exc:  # a plugin command calling sys.exit (Lua's os.exit, say)
        return errors.exit_code_of_system_exit(exc)
    except BrokenPipeError:
        # The reader went away (`llmspell model list | head -1`): not worth a message.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return errors.OK
    except (Exception, KeyboardInterrupt) as exc:
        return errors.failure(exc, state.debug)
    return errors.exit_code_of(result)


def _pass_through(app, tokens: list[str], state) -> list[str]:
    """Commands without help flags (`run`, `exec`) read their own tokens, as `python` does.

    cyclopts would take `--help` or `--debug` meant for the script; a `--` after the command
    word hands every later token to the command untouched.
    """
    i = 0
    while i < len(tokens) and tokens[i].startswith("-"):  # global options come first
        i += 2 if tokens[i] == "--config" else 1
    if i >= len(tokens) or tokens[i] not in app:
        return tokens
    if tuple(app[tokens[i]].help_flags):
        return tokens
    state.debug = "--debug" in tokens[:i]
    state.passed_through = True
    if "--" in tokens[i + 1 :]:  # the user's own `--` already does it (cyclopts drops the first)
        return tokens
    return [*tokens[: i + 1], "--", *tokens[i + 1 :]]


def main() -> None:
    """The console script: help comes from `help_cache` when nothing it depends on changed."""
    from .fast_connect import fast_path

    code = fast_path(sys.argv[1:])  # `run|exec --connect`: straight to the kernel (#13)
    if code is not None:
        sys.exit(code)
    from .help_cache import run_cached

    sys.exit(run_cached(sys.argv[1:], run))
