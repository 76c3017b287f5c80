"""Keep llama.cpp quiet, but remember what it said, so a failed load can explain itself.

llama.cpp logs through one process-wide callback. llama-cpp-python's own callback prints
errors to stderr (and its level table predates ggml's current enum); llmspell replaces it
with one that sends everything to the `llmspell.gguf.native` logger at debug level and keeps
the last warnings and errors for error messages.
"""

from __future__ import annotations

import collections
import logging
import threading

from . import bindings

log = logging.getLogger("llmspell.gguf.native")

# ggml_log_level: NONE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4, CONT 5.
_WARN = 3
_recent: collections.deque[str] = collections.deque(maxlen=16)
_installed = False
_install_lock = threading.Lock()
_callback = None  # the ctypes callback must stay referenced for as long as llama.cpp may call it


def install() -> None:
    """Route llama.cpp's log to Python logging; idempotent and cheap after the first call."""
    global _installed, _callback
    if _installed:
        return
    with _install_lock:
        if _installed:
            return
        import ctypes

        llama_cpp = bindings.load()

        @llama_cpp.llama_log_callback
        def callback(level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
            # A load logs hundreds of lines: only warnings are decoded unless debugging.
            if level >= _WARN and level != 5:
                message = text.decode("utf-8", "replace").rstrip()
                if message:
                    _recent.append(message)
            if log.isEnabledFor(logging.DEBUG):
                log.debug("%s", text.decode("utf-8", "replace").rstrip())

        llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))
        _callback = callback
        _installed = True
        # Importing llama-cpp-python's high-level API later sets its own callback.
        bindings.after_complete.append(_reinstall)


def _reinstall() -> None:
    import ctypes

    bindings.load().llama_log_set(_callback, ctypes.c_void_p(0))


def recent_errors() -> list[str]:
    """Warnings and errors llama.cpp logged lately, oldest first."""
    return [m for m in _recent if m]


def clear() -> None:
    _recent.clear()
