"""The llmspell command line."""
