"""The circuit breaker's states, on a clock the test moves."""

from __future__ import annotations

import pytest

from bff.backends.breaker import CircuitBreaker, CircuitOpen
from bff.errors import ServiceUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: Clock, opened: list[str] | None = None) -> CircuitBreaker:
    return CircuitBreaker("search", 3, 10.0, clock=clock, on_open=opened.append if opened is not None else None)


def test_it_opens_after_consecutive_failures_only() -> None:
    clock, opened = Clock(), []
    b = breaker(clock, opened)
    for _ in range(2):
        b.admit()
        b.failed()
    b.admit()
    b.succeeded()  # a success in between starts the count again
    for _ in range(2):
        b.admit()
        b.failed()
    assert b.state == "closed" and opened == []
    b.admit()
    b.failed()
    assert b.state == "open" and opened == ["search"]
    with pytest.raises(CircuitOpen) as refused:
        b.admit()
    assert isinstance(refused.value, ServiceUnavailable)
    assert refused.value.extensions == {"capability": "search", "reason": "circuit_open"}


def test_after_the_reset_time_one_trial_goes_through() -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(3):
        b.admit()
        b.failed()
    clock.now += 10
    assert b.state == "half_open"
    assert b.admit() is True
    with pytest.raises(CircuitOpen):
        b.admit()  # one trial at a time
    b.succeeded()
    assert b.state == "closed"
    assert b.admit() is False


def test_a_failed_trial_opens_it_for_another_full_wait() -> None:
    clock, opened = Clock(), []
    b = breaker(clock, opened)
    for _ in range(3):
        b.admit()
        b.failed()
    clock.now += 10
    b.admit()
    b.failed()
    assert b.state == "open" and opened == ["search", "search"]
    clock.now += 9.9
    with pytest.raises(CircuitOpen):
        b.admit()


def test_an_abandoned_trial_frees_its_slot() -> None:
    clock = Clock()
    b = breaker(clock)
    for _ in range(3):
        b.admit()
        b.failed()
    clock.now += 10
    trial = b.admit()
    b.abandoned(trial)
    assert b.admit() is True


def test_a_breaker_needs_a_threshold() -> None:
    with pytest.raises(ValueError, match="at least one"):
        CircuitBreaker("search", 0, 1.0)
