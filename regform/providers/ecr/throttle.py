"""Backpressure for concurrent reads: fewer requests in flight while ECR throttles.

ECR publishes no request rates for its control-plane APIs, and each API has its own throttle. A
plan reads with many requests in flight; when ECR answers one of them with a throttling error,
retrying each request after a random wait alone keeps the same pressure on the API. The
:class:`ThrottleGate` also halves how many requests may be in flight, then lets the number grow
back by one after as many successes as the current limit (additive increase, multiplicative
decrease). Throttling errors answering requests sent before the last cut do not cut again: one
burst of throttled requests halves the limit once.
"""

from __future__ import annotations

import threading


class ThrottleGate:
    """At most ``limit`` requests in flight (see the module docstring)."""

    def __init__(self, limit: int) -> None:
        self._max = max(1, limit)
        self._limit = self._max
        self._inflight = 0
        self._epoch = 0
        self._successes = 0
        self._cond = threading.Condition()

    @property
    def limit(self) -> int:
        """Requests allowed in flight now."""
        with self._cond:
            return self._limit

    def enter(self) -> int:
        """Wait for a slot; a ticket to hand back to :meth:`leave`."""
        with self._cond:
            while self._inflight >= self._limit:
                self._cond.wait()
            self._inflight += 1
            return self._epoch

    def leave(self, ticket: int, *, throttled: bool) -> None:
        """Free the slot of a request that ended (``throttled``: ECR said to slow down)."""
        with self._cond:
            self._inflight -= 1
            grew = False
            if throttled:
                if ticket == self._epoch:
                    self._limit = max(1, self._limit // 2)
                    self._epoch += 1
                    self._successes = 0
            elif self._limit < self._max:
                self._successes += 1
                if self._successes >= self._limit:
                    self._limit += 1
                    self._successes = 0
                    grew = True
            self._cond.notify(2 if grew else 1)
