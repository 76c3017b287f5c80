"""`llmspell plugins` and `llmspell --version`: what is installed, and what failed to load."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .. import session
from ..errors import OK
from ..formatting import table, to_json
from ..options import Format


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"


def version_text() -> str:
    """The core, the CLI and every plugin distribution, with versions."""
    from llmspell import list_plugins

    lines = [
        f"llmspell {_version('llmspell-core')}",
        f"  llmspell-core {_version('llmspell-core')}",
        f"  llmspell-cli {_version('llmspell-cli')}",
    ]
    for p in list_plugins():
        state = f"plugin {p.name}" + ("" if p.loaded else ", failed to load")
        lines.append(f"  {p.distribution or p.name} {p.version or 'unknown'} ({state})")
    return "\n".join(lines)


def plugins(*, format: Format = "text") -> int:
    """List plugins, their versions and hooks, and load errors."""
    from llmspell import LlmspellError, list_plugins

    records = list_plugins()
    registration: dict[str, str] = {}
    try:
        m = session.manager()
        records = m.plugins()  # registering backends is where a plugin's own errors surface
        registration = dict(m.registry.plugin_errors)
    except LlmspellError as exc:
        session.note(f"backends not checked: {exc}")
    commands = dict(session.current().command_errors)
    if format == "json":
        data = {
            "plugins": [p.to_dict() for p in records],
            "registration_errors": registration,
            "command_errors": commands,
        }
        print(to_json(data))
        return OK
    if not records:
        print("No plugins loaded (entry-point group 'llmspell').")
    else:
        rows = [
            [
                p.name,
                p.distribution,
                p.version,
                ", ".join(p.hooks) or "-",  # the hook names, as in --format json
                "error" if p.name in commands else p.status,
            ]
            for p in records
        ]
        print(table(["name", "distribution", "version", "hooks", "status"], rows))
    step = {True: "register backends", False: "load"}
    problems = [
        (p.name, f"failed to {step[p.name in registration]}: {p.error}") for p in records if p.error
    ]
    problems += [(f.name, f"disabled: {f.reason}") for p in records for f in p.faults]
    problems += [(n, f"failed to add commands: {e}") for n, e in commands.items()]
    for name, problem in problems:
        print(f"{name}: {problem}")
    return OK
