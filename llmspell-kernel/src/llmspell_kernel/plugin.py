"""Hook implementation: `llmspell kernel start|status|stop|install` join the CLI.

Nothing heavy is imported here (this runs for `llmspell --help`): ZeroMQ, ipykernel and
jupyter_client are imported only inside the commands and the connected-mode client.
"""

from __future__ import annotations

from typing import Any

import llmspell


@llmspell.hookimpl
def llmspell_register_commands(app: Any) -> None:
    from .cli import kernel_app

    app.command(kernel_app())
