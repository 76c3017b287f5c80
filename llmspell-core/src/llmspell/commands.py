"""`llmspell model <command> --format json` as data, for every front end that needs it.

The CLI prints these dicts; a kernel puts them in `model_reply`; anything else that wants
"the JSON of that command" calls `model_command` and gets exactly the same dict, because
each is a result's canonical `to_dict()` (see `llmspell.models`).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import BadInputError
from .models import ImportResult

if TYPE_CHECKING:
    from .backend import ProgressCallback
    from .manager import Manager

#: The commands `model_command` knows, as `llmspell model` names them.
MODEL_COMMANDS = ("list", "pull", "info", "remove", "status", "available", "import")


def model_command(
    manager: Manager,
    command: str,
    *,
    backend: str | None = None,
    model: str | None = None,
    force: bool = False,
    quantization: str | None = None,
    recommended: bool = False,
    path: str | None = None,
    name: str | None = None,
    link: bool = False,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """The dict `llmspell model COMMAND --format json` prints for the same arguments.

    - `list`: `{"models": [LocalModel], "skipped": {backend: reason}}` (`backend` optional)
    - `pull`: a PullResult dict (`model`; `force`, `quantization`, `progress` optional)
    - `info`: a ModelInfo dict (`model`)
    - `remove`: a RemoveResult dict (`model`; asks no confirmation)
    - `status`: `{"backends": [HealthStatus]}`
    - `available`: `{"models": [CatalogEntry]}` (`backend`, `recommended` optional)
    - `import`: an ImportResult dict (`path`; `name`, `link`, `backend` optional)

    Errors are raised as llmspell errors (`BadInputError` for an unknown command or a
    missing argument), exactly as the CLI raises them.
    """
    if command == "list":
        return manager.list_models(backend).to_dict()
    if command == "status":
        return {"backends": [s.to_dict() for s in manager.status()]}
    if command == "available":
        return {"models": [e.to_dict() for e in manager.available(backend, recommended)]}
    if command == "import":
        if not path:
            raise BadInputError("The import command needs the path of a model file.")
        source = Path(path).expanduser()
        local = manager.import_file(str(source), name, backend=backend, link=link)
        return ImportResult(local, source, link).to_dict()
    if command in ("pull", "info", "remove"):
        if not isinstance(model, str) or not model.strip():
            raise BadInputError(f"The {command} command needs a model, e.g. smollm2:135m.")
        if command == "pull":
            return manager.pull(
                model, force=force, quantization=quantization, progress=progress
            ).to_dict()
        if command == "info":
            return manager.info(model).to_dict()
        return manager.remove(model).to_dict()
    hint = difflib.get_close_matches(str(command), MODEL_COMMANDS, n=1)
    extra = f" Did you mean {hint[0]!r}?" if hint else ""
    raise BadInputError(
        f"Unknown model command {command!r}; expected one of {', '.join(MODEL_COMMANDS)}.{extra}"
    )
