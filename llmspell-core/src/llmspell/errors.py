"""Errors a user can act on.

Two families, because the CLI maps them to different exit codes: `BadInputError`
(the user asked for something malformed: exit 2) and `RuntimeFailure` (the request was
fine but the world was not: backend down, download failed: exit 1). Every message is
one or two plain sentences that say what to do next.
"""

from __future__ import annotations


class LlmspellError(Exception):
    """Base of every error llmspell raises on purpose."""

    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class BadInputError(LlmspellError):
    """The input itself is wrong (spec, config, path, flag): fixing it is the user's move."""

    exit_code = 2


class SpecError(BadInputError):
    """A model specifier does not follow the grammar."""


class ConfigError(BadInputError):
    """`llmspell.toml` cannot be read or does not match the schema."""


class UnknownBackendError(BadInputError):
    """A spec or flag names a backend that is not installed."""


class RuntimeFailure(LlmspellError):
    """The request was valid but could not be carried out."""


class ModelNotFoundError(RuntimeFailure):
    """The model is not present on any backend that was asked."""


class BackendUnavailableError(RuntimeFailure):
    """A backend is installed but not usable right now (server down, library missing)."""


class DownloadError(RuntimeFailure):
    """A pull failed; whatever was fetched is kept for a resume, nothing broken is installed."""


class InferenceError(RuntimeFailure):
    """Generation failed (prompt too long, model file unreadable, server died mid-stream)."""

    #: The text generated before the failure (a stream cut mid-answer), when a backend has it.
    partial_text: str | None = None


class NotSupportedError(RuntimeFailure):
    """The backend does not offer this operation (for example a plugin without pull)."""
