"""Ollama's pull stream (`POST /api/pull`) as llmspell progress events.

Lines are `{"status": ...}` plus, while a layer downloads, `digest`, `total` and
`completed` (both omitted until known). Layers download one after another; we sum the
bytes over every layer seen so far, so `completed` never goes backwards.
"""

from __future__ import annotations

from collections.abc import Callable

import ollama
from llmspell import DownloadError, PullProgress

from .failures import BROKEN_STREAM

#: The message Ollama sends for a name its library does not have (cmd/cloud_suggest.go).
NO_SUCH_MODEL = "file does not exist"


def run_pull(client: ollama.Client, model: str, report: Callable[[PullProgress], None]) -> None:
    layers: dict[str, tuple[int, int]] = {}  # digest → (completed, total)
    finished = False
    try:
        for part in client.pull(model, stream=True):
            if part.digest:
                done, size = layers.get(part.digest, (0, 0))
                layers[part.digest] = (part.completed or done, part.total or size)
            completed = sum(c for c, _ in layers.values())
            total = sum(t for _, t in layers.values())
            report(PullProgress(model, part.status or "", completed, total))
            finished = part.status == "success"
    except ollama.ResponseError as exc:  # an {"error": ...} line, or an HTTP error status
        raise rejected(model, exc.error) from exc
    except BROKEN_STREAM as exc:
        raise DownloadError(
            f"The connection to Ollama broke while pulling {model!r}. Run the same pull again: "
            "Ollama resumes where it stopped."
        ) from exc
    if not finished:
        raise DownloadError(
            f"Ollama stopped pulling {model!r} before reporting success. Run the same pull "
            "again: Ollama resumes where it stopped."
        )


def rejected(model: str, message: str) -> DownloadError:
    if NO_SUCH_MODEL in message:
        return DownloadError(
            f"Ollama's library has no model {model!r} ({message}). Check the name with "
            "llmspell model available --backend ollama, or on https://ollama.com/library."
        )
    return DownloadError(f"Ollama refused to pull {model!r}: {message}.")
