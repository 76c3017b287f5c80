"""`llmspell completion SHELL` prints cyclopts' completion script (`--install-completion` too)."""

from __future__ import annotations

from typing import Literal

from .. import session
from ..errors import OK


def completion(shell: Literal["bash", "zsh", "fish"], /) -> int:
    """Print the shell completion script (bash, zsh or fish).

    For example: llmspell completion bash > ~/.llmspell-completion.bash

    Parameters
    ----------
    shell
        The shell to complete for.
    """
    app = session.current().app
    print(app.generate_completion(prog_name="llmspell", shell=shell), end="")
    return OK
