"""Backpressure: fewer requests in flight while ECR throttles, back to full speed when it stops.

ECR publishes no request rates for its control-plane APIs, and each API has its own throttle. A
plan reads with many requests in flight; when ECR answers one of them with a throttling error,
botocore retries it after a random wait, but retrying alone keeps the same pressure on the API.
So regform also halves how many requests of that operation may be in flight, then lets the
number grow back by one after as many successes as the current limit (additive increase,
multiplicative decrease); only requests sent since the last cut count. Throttling errors
answering requests sent before the last cut do not cut again: one burst of throttled requests
halves the limit once. A throttled request gives up its place while botocore waits to retry it.
Recovery takes one round trip per step, so a plan is back to full speed within seconds of the
throttling ending (botocore's ``adaptive`` retry mode, by contrast, can keep a client at about
one request a second for the rest of a run after a single throttling error).

:class:`Throttle` keeps one :class:`ThrottleGate` per operation and learns of throttling from
botocore's public events: ``needs-retry`` after every attempt, ``before-send`` before every
attempt is sent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

#: error codes that mean "slow down" (botocore's standard retry mode treats them so).
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "SlowDown",
    }
)
THROTTLING_STATUS = 429


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

    def cut(self, ticket: int) -> None:
        """A request holding ``ticket`` was throttled: halve the limit, once per burst."""
        with self._cond:
            if ticket == self._epoch:
                self._limit = max(1, self._limit // 2)
                self._epoch += 1
                self._successes = 0

    def leave(self, ticket: int, *, throttled: bool) -> None:
        """Free the slot of a request that ended (``throttled``: ECR said to slow down)."""
        if throttled:
            self.cut(ticket)
        with self._cond:
            self._inflight -= 1
            grew = False
            if not throttled and ticket == self._epoch and self._limit < self._max:
                self._successes += 1
                if self._successes >= self._limit:
                    self._limit += 1
                    self._successes = 0
                    grew = True
            self._cond.notify(2 if grew else 1)


@dataclass
class _Slot:
    gate: ThrottleGate
    ticket: int
    #: whether the request holds its place in flight (not while botocore waits to retry it)
    held: bool = True


def is_throttling(response: Any) -> bool:
    """Whether a botocore ``(http_response, parsed)`` pair is a throttling answer."""
    if not isinstance(response, tuple) or len(response) != 2:
        return False
    http, parsed = response
    if getattr(http, "status_code", None) == THROTTLING_STATUS:
        return True
    error = parsed.get("Error") if isinstance(parsed, Mapping) else None
    return isinstance(error, Mapping) and error.get("Code") in THROTTLING_CODES


class Throttle:
    """One gate per operation, each allowing ``parallelism`` requests in flight at most."""

    def __init__(self, parallelism: int) -> None:
        self.parallelism = max(1, parallelism)
        self._gates: dict[str, ThrottleGate] = {}
        self._lock = threading.Lock()
        self._local = threading.local()

    def gate(self, op: str) -> ThrottleGate:
        with self._lock:
            gate = self._gates.get(op)
            if gate is None:
                gate = self._gates[op] = ThrottleGate(self.parallelism)
            return gate

    def limits(self) -> dict[str, int]:
        """Operation -> requests allowed in flight now."""
        with self._lock:
            return {op: gate.limit for op, gate in sorted(self._gates.items())}

    @contextmanager
    def slot(self, op: str) -> Iterator[None]:
        """Hold one of ``op``'s slots while the calls inside run on this thread (a call made
        inside another runs in the outer call's slot: waiting for a second one could deadlock)."""
        if getattr(self._local, "slot", None) is not None:
            yield
            return
        gate = self.gate(op)
        slot = _Slot(gate, gate.enter())
        self._local.slot = slot
        try:
            yield
        finally:
            self._local.slot = None
            if slot.held:
                gate.leave(slot.ticket, throttled=False)

    def watch(self, client: Any) -> None:
        """Learn of ``client``'s throttled attempts (botocore's ``needs-retry`` event, after
        every attempt) and of its retries being sent (``before-send``, before every attempt)."""
        events = client.meta.events
        events.register("needs-retry", self._on_attempt, unique_id=f"regform-throttle-{id(self)}")
        events.register("before-send", self._on_send, unique_id=f"regform-resend-{id(self)}")

    def _on_attempt(self, response: Any = None, **_: Any) -> None:
        """A throttled attempt cuts the limit and gives its place up while botocore waits to
        retry it: a request asleep in its backoff is not in flight."""
        slot: _Slot | None = getattr(self._local, "slot", None)
        if slot is not None and slot.held and is_throttling(response):
            slot.held = False
            slot.gate.leave(slot.ticket, throttled=True)

    def _on_send(self, **_: Any) -> None:
        """Before a retry is sent: wait for a place in flight again."""
        slot: _Slot | None = getattr(self._local, "slot", None)
        if slot is not None and not slot.held:
            slot.ticket = slot.gate.enter()
            slot.held = True
