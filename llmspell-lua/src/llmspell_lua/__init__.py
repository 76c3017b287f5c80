"""llmspell plugin: registered through the `llmspell` entry-point group."""
