"""The order workflow's state machine: one definition, run by the embedded worker and mirrored by the ASL.

After checkout writes an order PENDING, the workflow screens the risk, authorises the payment and hands the
order to fulfilment, cancelling (and releasing the stock) when the payment is declined or the risk denied::

    Route ──(review=APPROVE)──────────────────────────────┐
      │  └─(review=DENY)──────────────────────────┐       │
      ▼                                           ▼       ▼
    ScreenRisk ─▶ RiskDecision ─APPROVE──────────────▶ AuthorizePayment ─▶ PaymentDecision ─APPROVED─▶ Fulfil
                     │  └─DENY──────────▶ Cancel ◀─────(catch)─┘             └─DECLINED─▶ Cancel      │
                     └─REVIEW─▶ HoldForReview ─▶ OnHold                                                 ▼
                                                  Cancel ─▶ Cancelled                               Fulfilled

Each task names a step (``bff.services.order_steps``) that takes the state's data (a JSON object) and returns
the next data. A step raises ``StepTransient`` for a failure worth retrying: it is retried with exponential
backoff per the task's ``Retry``; past the attempts, or on any other error, the task's ``catch`` state runs.
``infra/order-workflow.asl.json`` declares the same states and transitions for Step Functions
(``tests/test_order_workflow_contract.py`` holds them equal). An order put ON_HOLD resumes when a reviewer
decides: a new run starts at ``Route`` with ``review`` set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# The error name a step's retryable failure carries (the activity worker reports it to Step Functions).
TRANSIENT = "StepTransient"
# Matches every error in a Catch (Step Functions' own name).
ALL_ERRORS = "States.ALL"


class StepTransient(Exception):
    """A step failed in a way worth retrying (a service down, a timeout): its task's ``Retry`` applies."""


@dataclass(frozen=True, slots=True)
class Retry:
    errors: tuple[str, ...] = (TRANSIENT,)
    max_attempts: int = 3  # retries after the first try
    interval_seconds: float = 1.0
    backoff_rate: float = 2.0

    def delay(self, retry: int) -> float:
        """Seconds before retry number ``retry`` (1-based)."""
        return self.interval_seconds * self.backoff_rate ** (retry - 1)


@dataclass(frozen=True, slots=True)
class Task:
    step: str
    next: str
    retry: Retry = field(default_factory=Retry)
    catch: str | None = None  # the state run when the step fails for good (None: the run fails)


@dataclass(frozen=True, slots=True)
class Choice:
    variable: str  # a key of the state's data
    choices: tuple[tuple[str, str], ...]  # (value, next state)
    default: str | None = None

    def next(self, data: dict[str, Any]) -> str:
        value = data.get(self.variable)
        for expected, target in self.choices:
            if value == expected:
                return target
        if self.default is None:
            raise ValueError(f"no choice for {self.variable}={value!r}")
        return self.default


@dataclass(frozen=True, slots=True)
class End:
    failed: bool = False


State = Task | Choice | End

START = "Route"
MACHINE: dict[str, State] = {
    "Route": Choice("review", (("APPROVE", "AuthorizePayment"), ("DENY", "Cancel")), default="ScreenRisk"),
    # A risk service that keeps failing puts the order on hold for a person, rather than cancelling it.
    "ScreenRisk": Task("screen_risk", "RiskDecision", Retry(max_attempts=3), catch="HoldForReview"),
    "RiskDecision": Choice(
        "outcome", (("APPROVE", "AuthorizePayment"), ("REVIEW", "HoldForReview"), ("DENY", "Cancel"))
    ),
    "HoldForReview": Task("hold", "OnHold", Retry(max_attempts=5)),
    "AuthorizePayment": Task("authorize_payment", "PaymentDecision", Retry(max_attempts=4), catch="Cancel"),
    "PaymentDecision": Choice("outcome", (("APPROVED", "Fulfil"), ("DECLINED", "Cancel"))),
    "Fulfil": Task("fulfil", "Fulfilled", Retry(max_attempts=5), catch="FulfilmentFailed"),
    "Cancel": Task("cancel", "Cancelled", Retry(max_attempts=5)),
    "Fulfilled": End(),
    "OnHold": End(),
    "Cancelled": End(),
    # Paid but not handed over after every retry: left PAID for operations (orders by status, GSI2).
    "FulfilmentFailed": End(failed=True),
}


def first_run_data(order_id: str) -> dict[str, Any]:
    """What a new order's run starts with (Step Functions' execution input too)."""
    return {"orderId": order_id, "review": "NONE"}


def transitions(machine: dict[str, State]) -> set[tuple[str, str, str]]:
    """Every edge as (from, label, to): ``next``, ``catch``, ``<variable>=<value>`` or ``default``."""
    edges: set[tuple[str, str, str]] = set()
    for name, state in machine.items():
        if isinstance(state, Task):
            edges.add((name, "next", state.next))
            if state.catch:
                edges.add((name, "catch", state.catch))
        elif isinstance(state, Choice):
            edges.update((name, f"{state.variable}={value}", target) for value, target in state.choices)
            if state.default:
                edges.add((name, "default", state.default))
    return edges


@dataclass(frozen=True, slots=True)
class Run:
    """One order's progress through the machine, as the embedded worker keeps it."""

    order_id: str
    state: str  # the state to run next
    data: dict[str, Any]
    attempt: int = 0  # failed tries of this state so far
    done: bool = False
    failed: bool = False
