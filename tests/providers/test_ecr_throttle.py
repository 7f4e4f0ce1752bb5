"""Backpressure on throttling: how many reads the gate lets through."""

from __future__ import annotations

import threading

from regform.providers.ecr.throttle import ThrottleGate


def test_a_burst_of_throttled_reads_halves_the_limit_once() -> None:
    gate = ThrottleGate(8)
    tickets = [gate.enter() for _ in range(8)]
    for ticket in tickets:
        gate.leave(ticket, throttled=True)
    assert gate.limit == 4


def test_throttling_again_keeps_halving_down_to_one() -> None:
    gate = ThrottleGate(8)
    limits = []
    for _ in range(5):
        gate.leave(gate.enter(), throttled=True)
        limits.append(gate.limit)
    assert limits == [4, 2, 1, 1, 1]


def test_successes_raise_the_limit_back_one_step_at_a_time() -> None:
    gate = ThrottleGate(4)
    gate.leave(gate.enter(), throttled=True)
    gate.leave(gate.enter(), throttled=True)
    assert gate.limit == 1
    seen = []
    for _ in range(1 + 2 + 3 + 10):
        gate.leave(gate.enter(), throttled=False)
        seen.append(gate.limit)
    assert seen[:6] == [2, 2, 3, 3, 3, 4]
    assert max(seen) == 4  # never above where it started


def test_a_read_waits_while_the_limit_is_reached() -> None:
    gate = ThrottleGate(1)
    first = gate.enter()
    entered = threading.Event()

    def second() -> None:
        gate.leave(gate.enter(), throttled=False)
        entered.set()

    thread = threading.Thread(target=second)
    thread.start()
    assert not entered.wait(0.2)
    gate.leave(first, throttled=False)
    assert entered.wait(5)
    thread.join(5)


def test_a_request_waiting_to_be_retried_holds_no_place_in_flight() -> None:
    from types import SimpleNamespace

    from botocore.hooks import HierarchicalEmitter

    from regform.providers.ecr.throttle import Throttle

    class Response:
        status_code = 400

    events = HierarchicalEmitter()  # a client's event system, which botocore emits on
    throttle = Throttle(2)
    throttle.watch(SimpleNamespace(meta=SimpleNamespace(events=events)))
    throttled = (Response(), {"Error": {"Code": "ThrottlingException"}})
    entered = threading.Event()

    def second() -> None:
        with throttle.slot("GetLifecyclePolicy"):
            entered.set()

    with throttle.slot("GetLifecyclePolicy"):
        # botocore reports the throttled attempt, then sleeps before its retry
        events.emit("needs-retry.ecr.GetLifecyclePolicy", response=throttled, attempts=1)
        assert throttle.limits() == {"GetLifecyclePolicy": 1}
        thread = threading.Thread(target=second)
        thread.start()
        assert entered.wait(5)  # the sleeping request does not hold the one place
        thread.join(5)
        # the retry waits for its place again before it is sent
        events.emit("before-send.ecr.GetLifecyclePolicy", request=None)
