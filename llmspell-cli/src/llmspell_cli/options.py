"""Flags several commands share, typed once."""

from __future__ import annotations

from typing import Annotated, Literal

from cyclopts import Parameter

Format = Annotated[
    Literal["text", "json"],
    Parameter(name="--format", help="Output for people or scripts."),
]

BackendName = Annotated[
    str | None,
    Parameter(name="--backend", help="Only this backend."),
]

Threads = Annotated[
    int | None,
    Parameter(
        name="--threads",
        help="CPU threads for a GGUF model (default: free cores; env LLMSPELL_CPU_THREADS).",
    ),
]

Verbose = Annotated[
    bool,
    Parameter(name=["--verbose", "-v"], help="Say how the model was loaded and time each reply."),
]


def apply_threads(threads: int | None) -> None:
    """`--threads N` travels as `LLMSPELL_CPU_THREADS`, which every backend's loader reads."""
    import os

    if threads is None:
        return
    if threads < 1:
        from llmspell import BadInputError

        raise BadInputError(f"--threads must be 1 or more, got {threads}.")
    os.environ["LLMSPELL_CPU_THREADS"] = str(threads)


def show_load_decisions() -> None:
    """Under --verbose, backends' INFO lines (the thread choice, say) go to stderr."""
    import logging
    import sys

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("llmspell.gguf", "llmspell.cli"):
        log = logging.getLogger(name)
        log.setLevel(logging.INFO)
        log.addHandler(handler)


def _complete_models(context):
    from .commands.completion import model_names

    return model_names(context)


def _complete_files(context):
    from .commands.completion import file_paths

    return file_paths(context)


#: A model argument: shell completion offers installed and catalog names.
ModelName = Annotated[str, Parameter(completer=_complete_models)]
#: A file argument: shell completion offers paths.
FileName = Annotated[str, Parameter(completer=_complete_files)]
