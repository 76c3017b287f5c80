"""Where the workspace is and which distributions it holds."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "llmspell-core",
    "llmspell-gguf",
    "llmspell-ollama",
    "llmspell-cli",
    "llmspell-lua",
    "llmspell-openai",
    "llmspell-kernel",
]
