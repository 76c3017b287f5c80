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
