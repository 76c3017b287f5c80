"""`llmspell run|exec --connect`: the fast path, taken before the command tree is built.

Imports nothing but the standard library until it knows the line is for a kernel, so the
help cache and every other command start exactly as before.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Any

MISSING = "Connected mode needs the kernel: pip install llmspell-kernel"


def kernel_module(name: str) -> Any:
    """`llmspell_kernel.<name>`, or the sentence saying how to install it (exit 2)."""
    import importlib

    try:
        return importlib.import_module(f"llmspell_kernel.{name}")
    except ImportError:
        from llmspell import BadInputError

        raise BadInputError(MISSING) from None


_FAST_OPTIONS = {"--connect", "--allow-unsafe", "--max-memory"}


def fast_path(argv: Sequence[str]) -> int | None:
    """`llmspell run|exec [--connect K] [--allow-unsafe] [--max-memory S] TARGET ...` with a
    kernel to connect to, run without building the command tree (cyclopts and every
    plugin's commands cost more than the kernel takes to answer a warm one-shot).

    Returns the exit code, or None for anything else (help, other options, no kernel),
    which then takes the normal path and gets the same results, only slower.
    """
    if len(argv) < 2 or argv[0] not in ("run", "exec"):
        return None
    options: dict[str, Any] = {}
    i = 1
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "-":
        name, eq, value = argv[i].partition("=")
        if name not in _FAST_OPTIONS or (name == "--allow-unsafe" and eq):
            return None
        if name == "--allow-unsafe":
            options["allow_unsafe"] = True
        elif eq:
            options[name[2:].replace("-", "_")] = value
        elif i + 1 < len(argv):
            i += 1
            options[name[2:].replace("-", "_")] = argv[i]
        else:
            return None
        i += 1
    address = options.pop("connect", None) or os.environ.get("LLMSPELL_CONNECT")
    if i >= len(argv):
        return None
    if not address:
        return embedded(argv[0], argv[i], argv[i + 1 :], options)  # perf (#16)
    from . import errors

    try:
        client = kernel_module("client")
        run = client.run_script if argv[0] == "run" else client.exec_code
        return run(address, argv[i], argv[i + 1 :], **options)
    except (Exception, KeyboardInterrupt) as exc:
        return errors.failure(exc, debug=False)
    finally:
        sys.stdout.flush()


def embedded(command: str, target: str, args: Sequence[str], options: dict[str, Any]) -> int | None:
    """perf (#16): `llmspell run|exec` in this process without building the command tree.

    A one-shot script pays for cyclopts, every plugin's commands and the help cache before
    its first line runs (about half of a cold `llmspell exec`). The Lua plugin's own
    runner does the work either way; None (the normal path) when the plugin is not
    installed or LLMSPELL_LOAD_PLUGINS restricts the plugins.
    """
    if "LLMSPELL_LOAD_PLUGINS" in os.environ:
        return None
    try:
        from llmspell_lua import commands
    except ImportError:
        return None
    from . import errors

    args = list(args)
    if "--" in args:  # as on the normal path, where cyclopts drops the first `--`
        args.remove("--")
    runner = commands.run_script if command == "run" else commands.exec_code
    try:
        return errors.exit_code_of(runner(target, args, **options))
    except SystemExit as exc:  # Lua's os.exit
        return errors.exit_code_of_system_exit(exc)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return errors.OK
    except (Exception, KeyboardInterrupt) as exc:
        return errors.failure(exc, debug=False)
    finally:
        sys.stdout.flush()
