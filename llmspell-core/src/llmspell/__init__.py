"""llmspell: local language models behind one API.

from llmspell import Manager
agent = Manager().agent("local/smollm2:135m@gguf", system_prompt="Be brief.")
print(agent.complete("Hi"))
"""

from __future__ import annotations

from .agent import Agent
from .backend import Backend, ProgressCallback, Provider, StreamingProvider
from .config import Config, ProviderConfig, load_config
from .errors import (
    BackendUnavailableError,
    BadInputError,
    ConfigError,
    DownloadError,
    InferenceError,
    LlmspellError,
    ModelNotFoundError,
    NotSupportedError,
    RuntimeFailure,
    SpecError,
    UnknownBackendError,
)
from .hookspecs import hookimpl
from .inference import (
    CompletionRequest,
    CompletionResult,
    GenerationParams,
    Message,
    StreamChunk,
    TokenUsage,
)
from .manager import Manager, Resolution
from .models import CatalogEntry, HealthStatus, LocalModel, ModelInfo, PullProgress
from .plugins import PluginRecord, list_plugins
from .spec import ModelSpec, parse_spec

__version__ = "0.1.0"

__all__ = [
    "Agent",
    "Backend",
    "BackendUnavailableError",
    "BadInputError",
    "CatalogEntry",
    "CompletionRequest",
    "CompletionResult",
    "Config",
    "ConfigError",
    "DownloadError",
    "GenerationParams",
    "HealthStatus",
    "InferenceError",
    "LlmspellError",
    "LocalModel",
    "Manager",
    "Message",
    "ModelInfo",
    "ModelNotFoundError",
    "ModelSpec",
    "NotSupportedError",
    "PluginRecord",
    "ProgressCallback",
    "Provider",
    "ProviderConfig",
    "PullProgress",
    "Resolution",
    "RuntimeFailure",
    "SpecError",
    "StreamChunk",
    "StreamingProvider",
    "TokenUsage",
    "UnknownBackendError",
    "__version__",
    "hookimpl",
    "list_plugins",
    "load_config",
    "parse_spec",
]
