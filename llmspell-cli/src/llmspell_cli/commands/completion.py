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


def model_names(context: object = None) -> list[str]:
    """Shell completion of a model argument: installed names, then the catalogs' (at TAB time)."""
    from llmspell import LlmspellError

    from ..session import manager

    m = manager()
    m.on_note = lambda note: None  # nothing but candidates on stdout, nothing on stderr
    names: list[str] = []
    try:
        names += [x.name for x in m.list_models()]
        names += [e.name for e in m.available()]
    except LlmspellError:
        pass
    return list(dict.fromkeys(names))


def file_paths(context: object = None) -> list[str]:
    """Shell completion of a file argument: what the typed prefix matches (folders end in /)."""
    import glob
    import os

    typed = getattr(context, "incomplete", "") or ""
    found = glob.glob(os.path.expanduser(typed) + "*")
    return sorted(p + "/" if os.path.isdir(p) else p for p in found)
