"""The whole plugin surface of llmspell: three hooks.

Backends carry the per-model concerns (inference, model management, health) as methods
of `llmspell.Backend`; the hooks only decide which backends exist, which one serves a
spec, and which commands the CLI offers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .backend import Backend
    from .config import Config
    from .spec import ModelSpec

hookspec = pluggy.HookspecMarker("llmspell")
hookimpl = pluggy.HookimplMarker("llmspell")


@hookspec
def llmspell_register_backends(register: Callable[[type[Backend]], None]) -> None:
    """Register each backend *type* this plugin provides: `register(BackendClass)`.

    Called once per manager. The core builds one instance per `[providers.NAME]` table whose
    `provider_type` is the class's `type_name` (or one default instance named `type_name`
    when no table configures it, unless `needs_table`), passing `BackendSettings`. An
    exception here disables this plugin only. Import heavy libraries inside the backend's
    methods, never here: this runs on every command that touches backends.
    """


@hookspec(firstresult=True)
def llmspell_resolve_backend(
    spec: ModelSpec, backends: Sequence[Backend], config: Config
) -> tuple[Backend, str | None] | None:
    """Choose the backend that serves `spec` when it names none (`local/...`).

    Return `(backend, note)`, where `note` tells the user about a fallback, or None to let
    the next implementation decide. The core's own implementation runs last and applies
    `default_backend`, then the first healthy backend (by priority) that has the model.
    """


@hookspec
def llmspell_register_commands(app: Any) -> None:
    """Add commands to the `llmspell` CLI; `app` is its root `cyclopts.App`.

    Import what the commands need inside them, so `llmspell --help` stays fast.
    """
