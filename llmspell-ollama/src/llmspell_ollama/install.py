"""`llmspell model install-ollama`: install the Ollama server the way Ollama documents it.

Linux: Ollama's install script; macOS: Homebrew. It always shows the command first and
asks before running it; elsewhere it says where to download Ollama. Imported only when the
CLI registers its commands (cyclopts is loaded by then).
"""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
from typing import Annotated, Literal

import attrs
from cyclopts import Parameter
from llmspell import BadInputError, NotSupportedError, RuntimeFailure

LINUX_COMMAND = "curl -fsSL https://ollama.com/install.sh | sh"
MACOS_COMMAND = "brew install ollama"
DOWNLOAD_PAGES = {
    "Darwin": "https://ollama.com/download/mac",
    "Windows": "https://ollama.com/download/windows",
}
DOWNLOAD_PAGE = "https://ollama.com/download"


@attrs.frozen
class InstallPlan:
    system: str
    command: str
    argv: tuple[str, ...]


def install_plan(system: str | None = None) -> InstallPlan:
    """What would install Ollama here; systems without an automatic way raise with a URL."""
    system = system or platform.system()
    if system == "Linux":
        return InstallPlan(system, LINUX_COMMAND, ("sh", "-c", LINUX_COMMAND))
    if system == "Darwin" and shutil.which("brew"):
        return InstallPlan(system, MACOS_COMMAND, ("brew", "install", "ollama"))
    page = DOWNLOAD_PAGES.get(system, DOWNLOAD_PAGE)
    why = "without Homebrew" if system == "Darwin" else f"on {system or 'this system'}"
    raise NotSupportedError(f"llmspell cannot install Ollama {why}; download it from {page}.")


def install_ollama(
    *,
    dry_run: bool = False,
    yes: Annotated[bool, Parameter(name=["--yes", "-y"])] = False,
    format: Literal["text", "json"] = "text",
) -> int:
    """Install the Ollama server (Linux: its install script; macOS: Homebrew), after asking.

    Parameters
    ----------
    dry_run
        Only show the command that would run.
    yes
        Do not ask for confirmation (needed when not on a terminal).
    format
        Output format: text, or json for scripts.
    """
    plan = install_plan()
    existing = shutil.which("ollama")
    say = print if format == "text" else (lambda _text: None)
    if existing:
        say(f"Ollama is already installed at {existing}; running the installer again upgrades it.")
    say(f"To install Ollama on {plan.system}, llmspell will run:\n  {plan.command}")
    ran = False
    if not dry_run:
        if not yes:
            _confirm(say)
        completed = subprocess.run(plan.argv, check=False)
        if completed.returncode != 0:
            raise RuntimeFailure(
                f"The Ollama installer failed with exit code {completed.returncode}; "
                "see its output above."
            )
        ran = True
        say("Ollama is installed. Start it with 'ollama serve', then check: llmspell model status")
    else:
        say("Dry run: nothing was run.")
    if format == "json":
        print(
            json.dumps(
                {
                    "system": plan.system,
                    "command": plan.command,
                    "dry_run": dry_run,
                    "ran": ran,
                    "already_installed": existing,
                }
            )
        )
    return 0


def _confirm(say) -> None:
    if not sys.stdin.isatty():
        raise BadInputError(
            "Not on a terminal, so llmspell will not ask; re-run with --yes to install Ollama, "
            "or --dry-run to only see the command."
        )
    answer = input("Run it now? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise BadInputError("Installation cancelled; nothing was run.")
