"""`max_concurrent`: how many threads may generate at once; the others wait their turn.

0 sets no bound of its own: each model still decodes at most `parallel` sequences together
(see `batching`), so the default lets every model batch as much as it can.

A thread counts once however many streams it holds open, since it computes one token at a
time anyway: interleaving two streams in one thread (comparing two models side by side)
must not deadlock on its own slot.
"""

from __future__ import annotations

import threading


class GenerationSlots:
    def __init__(self, limit: int) -> None:
        self.limit = max(0, limit)  # 0: no limit
        self._free = threading.BoundedSemaphore(self.limit or 1)
        self._held: dict[int, int] = {}  # thread id -> open generations
        self._lock = threading.Lock()

    def acquire(self) -> int:
        """Wait for a slot; returns the ticket to give back to `release`."""
        me = threading.get_ident()
        if not self.limit:
            return me
        with self._lock:
            if self._held.get(me):
                self._held[me] += 1
                return me
        self._free.acquire()
        with self._lock:
            self._held[me] = self._held.get(me, 0) + 1
        return me

    def release(self, ticket: int) -> None:
        if not self.limit:
            return
        with self._lock:
            left = self._held.get(ticket, 0) - 1
            if left > 0:
                self._held[ticket] = left
                return
            self._held.pop(ticket, None)
        self._free.release()
