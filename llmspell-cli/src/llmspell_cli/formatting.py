"""How results look: human sizes and dates, aligned tables, and stable JSON."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path, PurePath
from typing import Any

_UNITS = ("B", "KB", "MB", "GB", "TB", "PB")


def human_size(size: int | None) -> str:
    """Decimal units, as Ollama prints them: 98.0 MB, 4.7 GB; `-` when unknown."""
    if size is None or size < 0:
        return "-"
    value = float(size)
    for unit in _UNITS:
        if value < 1000 or unit == _UNITS[-1]:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def relative_time(timestamp: float | None, now: float | None = None) -> str:
    """ "3 minutes ago" for the last month, then an ISO date; `-` when unknown."""
    if timestamp is None:
        return "-"
    now = time.time() if now is None else now
    age = now - timestamp
    if age < -60 or age >= 30 * 86400:
        return iso_date(timestamp)
    if age < 60:
        return "just now"
    for seconds, word in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if age >= seconds:
            return _plural(int(age // seconds), word) + " ago"
    raise AssertionError("unreachable")


def iso_date(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")


def iso_time(timestamp: float | None) -> str | None:
    """UTC ISO 8601, the core's one form (`llmspell.models.iso_time`)."""
    from llmspell.models import iso_time as core_iso_time

    return core_iso_time(timestamp)


def human_count(count: int | None) -> str:
    """Parameter counts the way model cards say them: 135M, 8.0B."""
    if count is None:
        return "-"
    for threshold, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if count >= threshold:
            value = count / threshold
            return f"{value:.0f}{suffix}" if value >= 100 else f"{value:.1f}{suffix}"
    return str(count)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Left-aligned columns separated by three spaces, headers in capitals (like Ollama)."""
    cells = [[str(h).upper() for h in headers]]
    cells += [["-" if value is None else str(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ("   ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells)
    return "\n".join(line.rstrip() for line in lines)


def key_values(pairs: Iterable[tuple[str, Any]]) -> str:
    """`key   value` lines with the values aligned; pairs whose value is None are left out.

    A value of several lines (a chat template) keeps its lines, indented to the value column.
    """
    shown = [(k, str(v).strip("\n")) for k, v in pairs if v is not None]
    width = max((len(k) for k, _ in shown), default=0)
    indent = "\n" + " " * (width + 3)
    lines = [f"{k.ljust(width)}   {indent.join(v.splitlines())}".rstrip() for k, v in shown]
    return "\n".join(line.rstrip() for line in "\n".join(lines).splitlines())


def display_path(path: Any) -> str | None:
    """A path for people: under the home directory as `~/...` (JSON keeps it absolute)."""
    if path is None:
        return None
    text = str(path)
    home = str(Path.home())
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        return "~" + text[len(home) :]
    return text


def _default(value: Any) -> Any:
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def to_json(data: Any) -> str:
    """Indented JSON; paths become strings, anything unknown its `str()`."""
    return json.dumps(data, indent=2, default=_default, ensure_ascii=False)
