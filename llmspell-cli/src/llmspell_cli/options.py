"""Flags several commands share, typed once."""

from __future__ import annotations

from typing import Annotated, Literal

from cyclopts import Parameter

Format = Annotated[
    Literal["text", "json"],
    Parameter(name="--format", help="text for people, json (stable) for scripts."),
]

BackendName = Annotated[
    str | None,
    Parameter(name="--backend", help="Only this backend (see llmspell model status)."),
]
