"""`max_concurrent`: how many threads may generate at once; the others wait their turn.

A thread counts once however many streams it holds open, since it computes one token at a
time anyway: interleaving two streams in one thread (comparing two models side by side)
must not deadlock on its own slot.
"""

from __future__ import annotations

import threading


class GenerationSlots:
    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._free = threading.BoundedSemaphore(self.limit)
        self._held: dict[int, int] = {}  # thread id -> open generations
        self._lock = threading.Lock()

    def acquire(self) -> int:
        """Wait for a slot; returns the ticket to give back to `release`."""
        me = threading.get_ident()
        with self._lock:
            if self._held.get(me):
                self._held[me] += 1
                return me
        self._free.acquire()
        with self._lock:
            self._held[me] = self._held.get(me, 0) + 1
        return me

    def release(self, ticket: int) -> None:
        with self._lock:
            left = self._held.get(ticket, 0) - 1
            if left > 0:
                self._held[ticket] = left
                return
            self._held.pop(ticket, None)
        self._free.release()
