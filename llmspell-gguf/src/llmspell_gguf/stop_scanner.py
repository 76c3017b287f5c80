"""Stop strings found across token boundaries, holding back only the text that may start one.

Each generated piece is checked together with the few characters held back from earlier
pieces, so the work per token is bounded by the length of the longest stop string, not by
the length of the reply.
"""

from __future__ import annotations

from collections.abc import Sequence


class StopScanner:
    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = tuple(s for s in stops if s)
        self.held = ""
        self.stopped = False

    def feed(self, text: str) -> str:
        """The part of `held + text` that is safe to show; sets `stopped` at a stop string."""
        window = self.held + text
        cut = -1
        for stop in self.stops:
            at = window.find(stop)
            if at != -1 and (cut == -1 or at < cut):
                cut = at
        if cut != -1:
            self.stopped = True
            self.held = ""
            return window[:cut]
        keep = self._prefix_tail(window)
        if keep:
            self.held = window[-keep:]
            return window[:-keep]
        self.held = ""
        return window

    def flush(self) -> str:
        """What was held back, once generation ended without completing a stop string."""
        held, self.held = self.held, ""
        return held

    def _prefix_tail(self, window: str) -> int:
        """Length of the longest end of `window` that begins some stop string."""
        best = 0
        for stop in self.stops:
            for n in range(min(len(stop) - 1, len(window)), best, -1):
                if window.endswith(stop[:n]):
                    best = n
                    break
        return best
