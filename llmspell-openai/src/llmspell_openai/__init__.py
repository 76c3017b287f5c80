"""llmspell's backend for OpenAI-compatible servers (vLLM, SGLang, TGI, llama-server, ...).

Importing this package is cheap: the `openai` client is imported only when a configured
server is first used, so `llmspell --help` and commands that never reach a server stay fast.
"""

from .backend import OpenAIBackend
from .options import OpenAIOptions

__all__ = ["OpenAIBackend", "OpenAIOptions"]
