"""Where llmspell keeps its state: everything derives from `LLMSPELL_HOME`."""

from __future__ import annotations

import os
from pathlib import Path


def llmspell_home() -> Path:
    """`LLMSPELL_HOME`, else `~/.llmspell`: setting it isolates a whole installation."""
    env = os.environ.get("LLMSPELL_HOME")
    return Path(env).expanduser() if env else Path.home() / ".llmspell"
