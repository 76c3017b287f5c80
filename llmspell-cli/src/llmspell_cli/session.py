"""State of one `llmspell` invocation: the global flags and the manager, made on first use."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmspell import Manager


log = logging.getLogger("llmspell.cli")


def note(message: str) -> None:
    """Side remarks (fallbacks, skipped backends) go to stderr, keeping stdout for results."""
    print(f"Note: {message}", file=sys.stderr)


def skipped_line(backend: str, why: str) -> str:
    """A skipped backend in one short line: the reason's first sentence, and where to see more."""
    import re

    first = re.split(r"(?<=[.;])\s", why.strip(), maxsplit=1)[0].rstrip(".;")
    return f"skipped {backend}: {first} (llmspell model status)."


class Session:
    def __init__(self) -> None:
        self.debug = False
        #: The command read its own tokens (`run s.lua --help`): its output is not help.
        self.passed_through = False
        #: Plugins whose `llmspell_register_commands` raised (plugin name → error).
        self.command_errors: dict[str, str] = {}
        self._manager: Manager | None = None
        #: The root cyclopts App, for commands that describe the command line itself.
        self.app: Any = None

    def manager(self) -> Manager:
        """The core's manager; built lazily so `--help` never loads configuration or backends."""
        if self._manager is None:
            from llmspell import Manager

            self._manager = Manager()
            self._manager.on_note = note
            source = self._manager.config.source
            log.debug("configuration: %s", source or "defaults (no file found)")
        return self._manager


_current = Session()


def current() -> Session:
    return _current


def start() -> Session:
    """A fresh session for a new invocation (tests run many in one process)."""
    global _current
    _current = Session()
    return _current


def manager() -> Manager:
    return _current.manager()
