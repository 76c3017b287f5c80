"""When llama.cpp aborts the process, the user still learns which file and why.

The header checks in `metadata` refuse the damaged files we know of before llama.cpp opens
them, but llama.cpp has more assertions than any reader can foresee, and a failed
`GGML_ASSERT` calls `abort()`: the process ends with no Python exception to catch (a Lua
`pcall` cannot either), and llama-cpp-python has sent stderr to /dev/null during the load,
so it ended silently. While a file loads, `explain_aborts` hooks ggml's abort callback to
write one line on the real stderr ("llama.cpp aborted while loading PATH: GGML_ASSERT(...)
failed ...") and exit with status 1, and points `faulthandler` at the real stderr for any
other fatal signal (a segfault shows where it happened). Both cost microseconds per load.
A child-process trial load was the alternative; it would add a second load (hundreds of
milliseconds) to every cold start, to catch what the header checks have not already.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_ABORT_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_char_p)
_LOCATION = re.compile(r"^\S+:\d+: ")


class _State:
    stderr: Any = None  # a duplicate of fd 2 taken before llama-cpp-python redirects it
    loading: Path | None = None
    callback: Any = None  # kept referenced: ggml holds only the C pointer


def _on_abort(message: bytes | None) -> None:
    text = (message or b"").decode("utf-8", errors="replace").strip()
    why = _LOCATION.sub("", text) or "an internal check failed"
    what = f"loading {_State.loading}" if _State.loading else "running a model"
    line = (
        f"Error: llama.cpp aborted while {what}: {why}. The file is damaged or needs a "
        "newer llama-cpp-python: pull it again, or pip install -U llama-cpp-python.\n"
    )
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    with contextlib.suppress(OSError):
        os.write(_State.stderr.fileno(), line.encode())
    os._exit(1)


def _install() -> bool:
    """Register the abort callback once per process; False when ggml does not offer one."""
    if _State.callback is not None:
        return True
    try:
        from . import bindings  # perf (#16): the ctypes API only, not all of llama_cpp

        native = bindings.load()
        setter = native._lib.ggml_set_abort_callback
    except (ImportError, AttributeError):
        return False
    setter.argtypes = [_ABORT_CALLBACK]
    setter.restype = _ABORT_CALLBACK
    _State.stderr = os.fdopen(os.dup(2), "w", closefd=True)
    _State.callback = _ABORT_CALLBACK(_on_abort)
    setter(_State.callback)
    return True


@contextlib.contextmanager
def explain_aborts(path: Path) -> Iterator[None]:
    """Around a load of `path`: a native abort or crash is said on stderr, naming the file."""
    _install()
    had_faulthandler = faulthandler.is_enabled()
    if _State.stderr is not None and not had_faulthandler:
        faulthandler.enable(file=_State.stderr)
    _State.loading = path
    try:
        yield
    finally:
        _State.loading = None
        if not had_faulthandler and _State.stderr is not None:
            faulthandler.disable()
