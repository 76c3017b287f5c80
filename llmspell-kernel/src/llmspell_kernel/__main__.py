"""`python -m llmspell_kernel`: the kernel process (what `kernel start` and Jupyter launch)."""

from .launch import main

main()
