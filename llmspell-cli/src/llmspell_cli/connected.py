"""`--connect ADDRESS`: send a command's work to a running llmspell kernel.

The kernel and its client live in the optional `llmspell-kernel` distribution; they are
imported only when `--connect` (or `LLMSPELL_CONNECT`) is given, so the embedded CLI never
loads ZeroMQ or jupyter_client.
"""

from __future__ import annotations

from typing import Annotated

from cyclopts import Parameter

# Defined beside the fast path, which must not import cyclopts.
from .fast_connect import MISSING, kernel_module

Connect = Annotated[
    str | None,
    Parameter(
        name="--connect",
        env_var="LLMSPELL_CONNECT",
        help="Run in a kernel: its id or connection file (llmspell kernel start).",
    ),
]

__all__ = ["MISSING", "Connect", "kernel_module"]
