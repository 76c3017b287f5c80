"""Pull progress: a live bar on a terminal, plain periodic lines otherwise.

Fed with `llmspell.PullProgress` events. Each status with a known total is announced with its
size before any bytes move ("pulling model.gguf: 98.0 MB"); then a terminal gets one line
redrawn with `\\r` (bytes, percent, rate, ETA) and a pipe gets a line every 10 % or 5 s.
"""

from __future__ import annotations

import math
import shutil
import sys
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from .formatting import human_size

if TYPE_CHECKING:
    from llmspell import PullProgress

_REDRAW_SECONDS = 0.1
_PLAIN_SECONDS = 5.0
_RATE_WINDOW_SECONDS = 5.0


def _floor(percent: float, decimals: int) -> float:
    """Rounded down, so 100 % is only ever shown when the last byte is in."""
    scale = 10**decimals
    return math.floor(percent * scale) / scale


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class RateMeter:
    """Bytes per second over the last few seconds, so the ETA follows the current speed."""

    def __init__(self) -> None:
        self._samples: deque[tuple[float, int]] = deque()

    def reset(self) -> None:
        self._samples.clear()

    def add(self, now: float, completed: int) -> None:
        self._samples.append((now, completed))
        while len(self._samples) > 2 and now - self._samples[1][0] >= _RATE_WINDOW_SECONDS:
            self._samples.popleft()

    def rate(self) -> float | None:
        if len(self._samples) < 2:
            return None
        (t0, c0), (t1, c1) = self._samples[0], self._samples[-1]
        return (c1 - c0) / (t1 - t0) if t1 > t0 else None


class PullReporter:
    """A `progress` callback for `Manager.pull` that draws on `stream` (stderr by default)."""

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        live: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
        width: int | None = None,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.clock = clock
        self.width = width
        self._finished = False
        self._completed = 0
        self._status: str | None = None
        self._total = 0
        self._meter = RateMeter()
        self._last_draw = float("-inf")
        self._last_plain_percent = -1
        self._last_plain_time = 0.0
        self._drawn = False

    def __call__(self, event: PullProgress) -> None:
        now = self.clock()
        if event.status != self._status or event.total != self._total:
            if self._continues(event):
                # Cumulative figures under a new label (Ollama's layers): one bar goes on.
                self._status, self._total = event.status, event.total
            else:
                self._begin(event, now)
        self._completed = event.completed
        if not event.total or self._finished:
            return
        self._meter.add(now, event.completed)
        finished = event.completed >= event.total
        if self.live:
            if finished or now - self._last_draw >= _REDRAW_SECONDS:
                self._draw(event)
                self._last_draw = now
        else:
            self._plain(event, now, finished)

    def close(self) -> None:
        """End the live line, so what is printed next starts on a fresh one."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

    # -- internals ----------------------------------------------------------

    def _continues(self, event: PullProgress) -> bool:
        return bool(
            self._total
            and not self._finished
            and event.total >= self._total
            and event.completed >= self._completed
            and event.completed < event.total
        )

    def _begin(self, event: PullProgress, now: float) -> None:
        same_status = event.status == self._status
        self.close()
        self._status, self._total = event.status, event.total
        self._meter.reset()
        self._finished = bool(event.total) and event.completed >= event.total
        self._last_draw = float("-inf")
        self._last_plain_percent = -1
        self._last_plain_time = now
        if event.total and event.completed < event.total:
            if not same_status:
                self._write_line(f"{event.status}: {human_size(event.total)}")
        elif event.status:
            self._write_line(event.status)  # a step, or one that is already complete ("success")

    def _write_line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def _figures(self, event: PullProgress) -> tuple[str, str, str]:
        done = f"{human_size(event.completed)} / {human_size(event.total)}"
        rate = self._meter.rate()
        if rate is None or rate <= 0:
            return done, "", ""
        if event.completed >= event.total:
            return done, f"{human_size(int(rate))}/s", ""
        eta = format_duration((event.total - event.completed) / rate)
        return done, f"{human_size(int(rate))}/s", f"ETA {eta}"

    def _draw(self, event: PullProgress) -> None:
        width = self.width or shutil.get_terminal_size((80, 24)).columns
        done, rate, eta = self._figures(event)
        percent = f"{_floor(event.percent, 1):5.1f}%"
        tail = "  ".join(part for part in (done, rate, eta) if part)
        room = width - len(percent) - len(tail) - 6
        bar = ""
        if room >= 10:
            size = min(room, 40)
            filled = int(size * min(event.completed, event.total) / event.total)
            bar = "[" + "#" * filled + "-" * (size - filled) + "] "
        line = f"{percent} {bar}{tail}"[: max(width - 1, 1)]
        self.stream.write("\r" + line.ljust(max(width - 1, 1)))
        self.stream.flush()
        self._drawn = True

    def _plain(self, event: PullProgress, now: float, finished: bool) -> None:
        step = int(event.percent // 10) * 10
        due = now - self._last_plain_time >= _PLAIN_SECONDS
        if step > self._last_plain_percent or due or finished:
            if finished and self._last_plain_percent == 100:
                return
            done, rate, eta = self._figures(event)
            extra = "  ".join(p for p in (rate, eta) if p and not finished)
            line = f"  {_floor(event.percent, 0):3.0f}%  {done}" + (f"  {extra}" if extra else "")
            self._write_line(line)
            self._last_plain_percent = 100 if finished else step
            self._last_plain_time = now
