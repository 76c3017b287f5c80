"""The HTTP library's exceptions, whichever one the installed `openai` client is built on.

openai 1.x and 2.x use httpx, openai 3.x its fork httpx2 (same class names). A broken stream
reaches us as that library's exception, not the client's, so both are matched.
"""

from __future__ import annotations

import importlib
from types import ModuleType


def _libraries() -> list[ModuleType]:
    found = []
    for name in ("httpx2", "httpx"):
        try:
            found.append(importlib.import_module(name))
        except ImportError:
            continue
    return found


_LIBRARIES = _libraries()


def classes(*names: str) -> tuple[type[BaseException], ...]:
    return tuple(getattr(lib, n) for lib in _LIBRARIES for n in names if hasattr(lib, n))


#: The server went away while answering.
BROKEN_STREAM = classes("RemoteProtocolError", "ReadError", "WriteError")
CONNECT_TIMEOUT = classes("ConnectTimeout")
CONNECT_ERROR = classes("ConnectError")
TIMEOUT = classes("TimeoutException")
TRANSPORT = classes("TransportError")
