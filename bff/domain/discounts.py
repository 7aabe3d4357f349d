"""Discount codes and how they apply to a cart's lines (``docs/discounts.md``); pure, no I/O, no clock.

``evaluate`` takes the rules a cart's codes name, the cart's priced lines and the time, and answers which
codes apply and how much each takes off, per line (codes on a category) and on the order (codes on the
order). Amounts are exact in the currency's minor units: a percentage is rounded half-even per line, a fixed
amount is spread over its lines in proportion to their amounts with the rounding remainder on the last one,
and no allocation ever takes more than what it discounts, so no total goes below zero.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal

from bff.domain.catalog import Money, currency_amount

HUNDRED = Decimal(100)
# Longest code accepted (Shopify allows 255 characters).
MAX_CODE_LENGTH = 255


class DiscountKind(enum.Enum):
    PERCENTAGE = "PERCENTAGE"
    FIXED_AMOUNT = "FIXED_AMOUNT"


class DiscountTarget(enum.Enum):
    ORDER = "ORDER"
    CATEGORY = "CATEGORY"


@dataclass(frozen=True, slots=True)
class DiscountRule:
    """A discount code. ``code`` is stored normalised (``normalise_code``: upper case), so matching is
    case-insensitive; ``value`` is a percent in (0, 100] or an amount in ``currency_code``."""

    code: str
    kind: DiscountKind
    value: Decimal
    currency_code: str
    target: DiscountTarget = DiscountTarget.ORDER
    # CATEGORY target: products in this category or any category below it.
    category_id: str | None = None
    # In ``currency_code``; compared with the subtotal of the lines the code targets.
    minimum_subtotal: Decimal | None = None
    starts_at: datetime | None = None
    # Exclusive: the code stops applying at this instant.
    ends_at: datetime | None = None
    usage_limit: int | None = None
    times_used: int = 0
    title: str = ""


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A cart line at today's price, as the cart gives it to the evaluator."""

    line_id: str
    quantity: int
    unit_price: Money
    # The product's category and its ancestors.
    category_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Allocation:
    # The code as the cart stores it (the matching entry of ``DiscountOutcome.applicable``).
    code: str
    # Exact in the currency's minor units (``currency_amount``).
    amount: Money


@dataclass(frozen=True, slots=True)
class DiscountOutcome:
    # Every code asked for, as the cart stores it -> whether it applies.
    applicable: dict[str, bool]
    # line_id -> allocations of CATEGORY-target codes.
    line_allocations: dict[str, tuple[Allocation, ...]]
    # ORDER-target codes: the cart-level discount allocations.
    order_allocations: tuple[Allocation, ...]


def normalise_code(code: str) -> str:
    """The stored form of a code: surrounding spaces dropped, upper case (``welcome10`` -> ``WELCOME10``)."""
    return code.strip().upper()


def minor_unit(currency_code: str) -> Decimal:
    """The smallest amount of ``currency_code`` (``0.01`` USD, ``1`` JPY, ``0.001`` KWD)."""
    exponent = currency_amount(Decimal(0), currency_code).as_tuple().exponent
    assert isinstance(exponent, int)  # a finite number's exponent
    return Decimal(1).scaleb(exponent)


def rule_problems(rule: DiscountRule) -> list[tuple[str, str]]:
    """What is wrong with a rule, as ``(field, message)`` pairs; empty when it can be stored."""
    problems: list[tuple[str, str]] = []
    code = rule.code
    if not code or len(code) > MAX_CODE_LENGTH or any(c.isspace() or not c.isprintable() for c in code):
        problems.append(("code", f"must be 1-{MAX_CODE_LENGTH} printable characters without spaces"))
    if rule.kind is DiscountKind.PERCENTAGE and not Decimal(0) < rule.value <= HUNDRED:
        problems.append(("value", "a percentage must be more than 0 and at most 100"))
    if rule.kind is DiscountKind.FIXED_AMOUNT:
        if rule.value <= 0:
            problems.append(("value", "an amount must be more than 0"))
        elif currency_amount(rule.value, rule.currency_code) != rule.value:
            problems.append(("value", f"has more decimal places than {rule.currency_code} allows"))
    if rule.minimum_subtotal is not None and rule.minimum_subtotal < 0:
        problems.append(("minimum_subtotal", "must be at least 0"))
    if rule.target is DiscountTarget.CATEGORY and not rule.category_id:
        problems.append(("category", "is required when the target is CATEGORY"))
    if rule.target is DiscountTarget.ORDER and rule.category_id:
        problems.append(("category", "only a CATEGORY target names a category"))
    if rule.starts_at and rule.ends_at and _utc(rule.ends_at) <= _utc(rule.starts_at):
        problems.append(("ends_at", "must be after starts_at"))
    if rule.usage_limit is not None and rule.usage_limit < 1:
        problems.append(("usage_limit", "must be at least 1"))
    if rule.times_used < 0:
        problems.append(("times_used", "must be at least 0"))
    return problems


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _usable(rule: DiscountRule, now: datetime, currency_code: str) -> bool:
    """Whether the rule may apply at all at ``now`` in a cart priced in ``currency_code``."""
    if rule_problems(rule):
        return False
    if rule.starts_at is not None and _utc(now) < _utc(rule.starts_at):
        return False
    if rule.ends_at is not None and _utc(now) >= _utc(rule.ends_at):
        return False
    if rule.usage_limit is not None and rule.times_used >= rule.usage_limit:
        return False
    # An amount (a fixed discount, a minimum subtotal) in another currency cannot be compared or taken off.
    money_in_rule = rule.kind is DiscountKind.FIXED_AMOUNT or rule.minimum_subtotal is not None
    return not (money_in_rule and rule.currency_code != currency_code)


def percentage_of(amount: Decimal, percent: Decimal, currency_code: str) -> Decimal:
    """``percent`` % of ``amount``, rounded half-even to the currency's minor units, never more than ``amount``."""
    step = minor_unit(currency_code)
    return min(amount, (amount * percent / HUNDRED).quantize(step, rounding=ROUND_HALF_EVEN))


def spread(total: Decimal, bases: Sequence[Decimal], currency_code: str) -> list[Decimal]:
    """``total`` split over ``bases`` in proportion, exact in minor units: every share but the last rounded
    down, the remainder on the last; never more than its base (``total`` is capped at their sum), the
    shares sum to ``min(total, sum(bases))`` exactly."""
    if not bases:
        return []
    step = minor_unit(currency_code)
    whole = sum(bases, Decimal(0))
    total = min(currency_amount(total, currency_code), whole)
    if whole <= 0 or total <= 0:
        return [Decimal(0).quantize(step)] * len(bases)
    shares = [(total * base / whole).quantize(step, rounding=ROUND_DOWN) for base in bases[:-1]]
    shares.append(total - sum(shares, Decimal(0)))
    # The last line's remainder can exceed what that line costs: move the excess back to lines with room.
    excess = shares[-1] - bases[-1]
    index = len(shares) - 2
    while excess > 0 and index >= 0:
        room = min(excess, bases[index] - shares[index])
        shares[index] += room
        excess -= room
        index -= 1
    shares[-1] = min(shares[-1], bases[-1])
    return [currency_amount(share, currency_code) for share in shares]


def _rule_for(rules: Mapping[str, DiscountRule | None], code: str) -> DiscountRule | None:
    rule = rules.get(code)
    return rule if rule is not None else rules.get(normalise_code(code))


def _targets(rule: DiscountRule, lines: Sequence[PricedLine], currency_code: str) -> list[PricedLine]:
    priced = [line for line in lines if line.quantity > 0 and line.unit_price.currency_code == currency_code]
    if rule.target is DiscountTarget.CATEGORY:
        return [line for line in priced if rule.category_id in line.category_ids]
    return priced


def _amounts(rule: DiscountRule, bases: Sequence[Decimal], currency_code: str) -> list[Decimal]:
    if rule.kind is DiscountKind.PERCENTAGE:
        return [percentage_of(base, rule.value, currency_code) for base in bases]
    return spread(rule.value, bases, currency_code)


def evaluate(
    rules: Mapping[str, DiscountRule | None],
    codes: Sequence[str],
    lines: Sequence[PricedLine],
    now: datetime,
    currency_code: str,
) -> DiscountOutcome:
    """Which of ``codes`` apply to ``lines`` at ``now``, and what each takes off.

    ``rules`` maps a code (as the cart stores it, or normalised) to its rule, ``None`` when there is none.
    At most one ORDER code and one CATEGORY code apply: the first applicable of each in ``codes``' order.
    The CATEGORY code is taken off its lines first; the ORDER code then applies to what the lines cost after
    it. Lines priced in another currency than ``currency_code`` are not discounted."""
    applicable: dict[str, bool] = dict.fromkeys(codes, False)
    chosen: dict[DiscountTarget, tuple[str, DiscountRule]] = {}
    seen: set[str] = set()
    for code in codes:
        rule = _rule_for(rules, code)
        key = normalise_code(code)
        if rule is None or key in seen or rule.target in chosen or not _usable(rule, now, currency_code):
            continue
        targets = _targets(rule, lines, currency_code)
        if not targets:
            continue
        subtotal = sum((line.unit_price.amount * line.quantity for line in targets), Decimal(0))
        if rule.minimum_subtotal is not None and subtotal < rule.minimum_subtotal:
            continue
        seen.add(key)
        chosen[rule.target] = (code, rule)
        applicable[code] = True

    remaining = {line.line_id: currency_amount(line.unit_price.amount * line.quantity, currency_code) for line in lines}
    line_allocations: dict[str, tuple[Allocation, ...]] = {}
    if DiscountTarget.CATEGORY in chosen:
        code, rule = chosen[DiscountTarget.CATEGORY]
        targets = _targets(rule, lines, currency_code)
        amounts = _amounts(rule, [remaining[line.line_id] for line in targets], currency_code)
        for line, amount in zip(targets, amounts, strict=True):
            remaining[line.line_id] -= amount
            line_allocations[line.line_id] = (Allocation(code, Money(amount, currency_code)),)
    order_allocations: tuple[Allocation, ...] = ()
    if DiscountTarget.ORDER in chosen:
        code, rule = chosen[DiscountTarget.ORDER]
        targets = _targets(rule, lines, currency_code)
        amounts = _amounts(rule, [remaining[line.line_id] for line in targets], currency_code)
        total = currency_amount(sum(amounts, Decimal(0)), currency_code)
        order_allocations = (Allocation(code, Money(total, currency_code)),)
    return DiscountOutcome(applicable, line_allocations, order_allocations)
