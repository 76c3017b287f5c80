"""Hook implementations: `llmspell run` and `llmspell exec` join the CLI through the core hook.

Nothing heavy is imported here: the hook body imports cyclopts (already loaded by the CLI)
and the command module; lupa is imported only when a script runs.
"""

from __future__ import annotations

from typing import Any

import llmspell


@llmspell.hookimpl
def llmspell_register_commands(app: Any) -> None:
    from .cli import exec_, run

    # Their own --help: options after the script name belong to the script.
    app.command(run, name="run", help_flags=[])
    app.command(exec_, name="exec", help_flags=[])
