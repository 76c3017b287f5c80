"""llmspell: local language models behind one API.

Example::

    from llmspell import Manager

    agent = Manager().agent("local/smollm2:135m@gguf", system_prompt="Be brief.")
    print(agent.complete("Hi"))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .agent import Agent
    from .backend import (
        Backend,
        BackendSettings,
        ProgressCallback,
        Provider,
        StreamingGenerator,
        StreamingProvider,
        TextGenerator,
    )
    from .commands import model_command
    from .config import BackendTable, Config, load_config
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
        DEFAULT_PARAMS,
        CompletionRequest,
        CompletionResult,
        GenerationParams,
        Message,
        StreamChunk,
        TokenUsage,
    )
    from .manager import Manager, Resolution
    from .models import (
        CatalogEntry,
        HealthStatus,
        ImportResult,
        LoadedModel,
        LocalModel,
        ModelInfo,
        ModelListing,
        PullProgress,
        PullResult,
        RemoveResult,
    )
    from .plugins import PluginRecord, list_plugins
    from .registry import BackendFault
    from .spec import ModelSpec, parse_spec

__version__ = "0.1.0"

# Public names and the module holding each: imported on first use, so that a plugin's
# `import llmspell` for `hookimpl` (run on every command, `--help` included) stays cheap.
_EXPORTS: dict[str, str] = {
    "Agent": "agent",
    "Backend": "backend",
    "BackendFault": "registry",
    "BackendSettings": "backend",
    "BackendTable": "config",
    "BackendUnavailableError": "errors",
    "BadInputError": "errors",
    "CatalogEntry": "models",
    "CompletionRequest": "inference",
    "CompletionResult": "inference",
    "Config": "config",
    "DEFAULT_PARAMS": "inference",
    "ConfigError": "errors",
    "DownloadError": "errors",
    "GenerationParams": "inference",
    "HealthStatus": "models",
    "ImportResult": "models",
    "LoadedModel": "models",
    "InferenceError": "errors",
    "LlmspellError": "errors",
    "LocalModel": "models",
    "Manager": "manager",
    "Message": "inference",
    "ModelInfo": "models",
    "ModelListing": "models",
    "ModelNotFoundError": "errors",
    "ModelSpec": "spec",
    "NotSupportedError": "errors",
    "PluginRecord": "plugins",
    "ProgressCallback": "backend",
    "Provider": "backend",
    "PullProgress": "models",
    "PullResult": "models",
    "RemoveResult": "models",
    "Resolution": "manager",
    "RuntimeFailure": "errors",
    "SpecError": "errors",
    "StreamChunk": "inference",
    "StreamingGenerator": "backend",
    "StreamingProvider": "backend",
    "TextGenerator": "backend",
    "TokenUsage": "inference",
    "UnknownBackendError": "errors",
    "hookimpl": "hookspecs",
    "list_plugins": "plugins",
    "load_config": "config",
    "model_command": "commands",
    "parse_spec": "spec",
}

__all__ = [
    "DEFAULT_PARAMS",
    "Agent",
    "Backend",
    "BackendFault",
    "BackendSettings",
    "BackendTable",
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
    "ImportResult",
    "InferenceError",
    "LlmspellError",
    "LoadedModel",
    "LocalModel",
    "Manager",
    "Message",
    "ModelInfo",
    "ModelListing",
    "ModelNotFoundError",
    "ModelSpec",
    "NotSupportedError",
    "PluginRecord",
    "ProgressCallback",
    "Provider",
    "PullProgress",
    "PullResult",
    "RemoveResult",
    "Resolution",
    "RuntimeFailure",
    "SpecError",
    "StreamChunk",
    "StreamingGenerator",
    "StreamingProvider",
    "TextGenerator",
    "TokenUsage",
    "UnknownBackendError",
    "__version__",
    "hookimpl",
    "list_plugins",
    "load_config",
    "model_command",
    "parse_spec",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'llmspell' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
