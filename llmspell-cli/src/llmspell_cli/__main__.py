"""`python -m llmspell_cli` runs the `llmspell` command."""

from .main import main

main()
