"""The command tree: llmspell's own commands, then whatever plugins add through the hook."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated

from cyclopts import App, Parameter

from . import session
from .commands import chat, completion, habits, model, plugins

HELP = "Run language models locally: manage models, chat, run Lua scripts."


def build_app() -> App:
    app = App(
        name="llmspell",
        help=HELP,
        version=plugins.version_text,
        help_format="plaintext",
        version_format="plaintext",
        result_action="return_value",
        suppress_keyboard_interrupt=False,
        default_parameter=Parameter(negative=()),
    )
    models = App(name="model", help="Find, download, inspect and remove local models.")
    app.command(models)
    models.command(model.list_models, name="list", alias="ls")
    models.command(model.pull)
    models.command(model.remove, alias="rm")
    models.command(model.info, alias="show")
    models.command(habits.ps)
    models.command(model.available)
    models.command(model.status)
    models.command(model.import_model, name="import")
    app.command(chat.chat)
    app.command(chat.ask)
    for word in habits.HABITS:  # `llmspell pull X` and friends: say which command to run
        app.command(habits.habit(word), name=word, show=False)
    app.command(plugins.plugins)
    app.command(completion.completion)
    app.register_install_completion_command(
        help="Install shell completion for llmspell (bash, zsh, fish)."
    )
    session.current().app = app
    _add_launcher(app)
    _register_plugin_commands(app)
    return app


def _add_launcher(app: App) -> None:
    """Global flags live on cyclopts' meta app, which then runs the command itself."""
    app.meta.suppress_keyboard_interrupt = False

    @app.meta.default
    def launcher(
        *tokens: Annotated[str, Parameter(show=False, allow_leading_hyphen=True)],
        config: Annotated[Path | None, Parameter(help="Configuration file (llmspell.toml).")] = (
            None
        ),
        debug: Annotated[bool, Parameter(help="Show tracebacks and debug logs.")] = False,
    ):
        state = session.current()
        state.debug = state.debug or debug
        if debug:
            logging.basicConfig(
                level=logging.DEBUG, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
            )
            log = logging.getLogger("llmspell.cli")
            log.debug("command line: %s", " ".join(tokens))
            for name, why in state.command_errors.items():
                log.debug("plugin %s added no commands: %s", name, why)
        if config is not None:
            if not config.is_file():
                from llmspell import BadInputError

                raise BadInputError(f"--config names {config}, which is not a file.")
            # Through the environment, so plugin commands that build a Manager honour it too.
            os.environ["LLMSPELL_CONFIG"] = str(config.resolve())
        return app(tokens)


def _register_plugin_commands(app: App) -> None:
    """Call every plugin's `llmspell_register_commands`; one that raises is recorded, not fatal."""
    from llmspell.plugins import plugin_manager

    pm, _ = plugin_manager()
    for impl in pm.hook.llmspell_register_commands.get_hookimpls():
        try:
            impl.function(app=app)
        except Exception as exc:
            session.current().command_errors[impl.plugin_name] = f"{type(exc).__name__}: {exc}"
