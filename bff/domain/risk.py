"""Embedded risk screening: rules over an order and its customer's history, each firing rule a reason.

A rule adds points and a reason; the sum decides: under ``review_at`` the order is approved, from it up to
``deny_at`` it waits ON_HOLD for a person, from ``deny_at`` it is cancelled. The reasons are recorded on the
order either way, so a reviewer (or a shopper asking why) sees what fired.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from bff.domain.orders import Order


class RiskDecision(enum.StrEnum):
    APPROVE = "APPROVE"
    REVIEW = "REVIEW"
    DENY = "DENY"


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    decision: RiskDecision
    reasons: tuple[str, ...] = ()
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    """What the store knows of the buyer before this order (by customer id, else by email)."""

    orders: int  # earlier orders, any status
    largest_total: Decimal  # the largest earlier order's total (0 without one)
    recent_orders: int  # orders placed in the velocity window, this one excluded
    recent_orders_from_address: int  # orders from this client address in the window


@dataclass(frozen=True, slots=True)
class RiskRules:
    # An order this many times the customer's largest earlier one (or a first order over `first_order_limit`).
    value_multiple: Decimal = Decimal(5)
    first_order_limit: Decimal = Decimal(1000)
    # Orders within the velocity window, per customer and per client address.
    max_recent_orders: int = 5
    max_recent_from_address: int = 10
    review_at: int = 30
    deny_at: int = 70

    def assess(self, order: Order, history: CustomerHistory, disposable_domains: frozenset[str]) -> RiskAssessment:
        points = 0
        reasons: list[str] = []

        def fire(score: int, reason: str) -> None:
            nonlocal points
            points += score
            reasons.append(reason)

        if history.orders == 0 and order.total > self.first_order_limit:
            fire(30, f"first order over {self.first_order_limit} {order.currency_code}")
        elif history.orders and order.total > history.largest_total * self.value_multiple:
            fire(30, f"order value over {self.value_multiple}x the customer's largest earlier order")
        if history.recent_orders >= self.max_recent_orders:
            fire(40, f"{history.recent_orders} orders from this customer within the velocity window")
        if history.recent_orders_from_address >= self.max_recent_from_address:
            fire(40, f"{history.recent_orders_from_address} orders from this client address within the window")
        domain = order.email.rpartition("@")[2].lower()
        if domain in disposable_domains:
            fire(40, f"disposable email domain {domain}")
        if order.billing_address.country_code.upper() != order.shipping_address.country_code.upper():
            fire(
                30,
                f"billing country {order.billing_address.country_code} differs from shipping country "
                f"{order.shipping_address.country_code}",
            )
        if points >= self.deny_at:
            decision = RiskDecision.DENY
        elif points >= self.review_at:
            decision = RiskDecision.REVIEW
        else:
            decision = RiskDecision.APPROVE
        return RiskAssessment(decision, tuple(reasons), float(points))
