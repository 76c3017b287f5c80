"""`--connect ADDRESS`: send a command's work to a running llmspell kernel.

The kernel and its client live in the optional `llmspell-kernel` distribution; they are
imported only when `--connect` (or `LLMSPELL_CONNECT`) is given, so the embedded CLI never
loads ZeroMQ or jupyter_client.
"""

from __future__ import annotations

from typing import Annotated, Any

from cyclopts import Parameter

Connect = Annotated[
    str | None,
    Parameter(
        name="--connect",
        env_var="LLMSPELL_CONNECT",
        help="Run in a kernel: its id or connection file (llmspell kernel start).",
    ),
]

MISSING = "Connected mode needs the kernel: pip install llmspell-kernel"


def kernel_module(name: str) -> Any:
    """`llmspell_kernel.<name>`, or the sentence saying how to install it (exit 2)."""
    import importlib

    try:
        return importlib.import_module(f"llmspell_kernel.{name}")
    except ImportError:
        from llmspell import BadInputError

        raise BadInputError(MISSING) from None
