"""Discount evaluation (``bff.domain.discounts``): which codes apply and what they take off, exact in minor units."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bff.domain.catalog import Money
from bff.domain.discounts import (
    DiscountKind,
    DiscountRule,
    DiscountTarget,
    PricedLine,
    evaluate,
    minor_unit,
    normalise_code,
    percentage_of,
    rule_problems,
    spread,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
PCT, FIXED = DiscountKind.PERCENTAGE, DiscountKind.FIXED_AMOUNT
ORDER, CATEGORY = DiscountTarget.ORDER, DiscountTarget.CATEGORY


def rule(code: str, kind: DiscountKind, value: str, currency: str = "USD", **kw: object) -> DiscountRule:
    return DiscountRule(normalise_code(code), kind, Decimal(value), currency, **kw)  # type: ignore[arg-type]


def line(line_id: str, quantity: int, price: str, *categories: str, currency: str = "USD") -> PricedLine:
    return PricedLine(line_id, quantity, Money(Decimal(price), currency), categories)


def run(rules: list[DiscountRule], codes: list[str], lines: list[PricedLine], currency: str = "USD"):  # type: ignore[no-untyped-def]
    return evaluate({r.code: r for r in rules}, codes, lines, NOW, currency)


LINES = [line("a", 2, "19.99", "cat-boots", "cat-footwear"), line("b", 1, "35.00", "cat-lamps", "cat-home")]


def test_percentage_on_the_order_is_rounded_half_even_per_line() -> None:
    # 10% of 39.98 = 3.998 -> 4.00; 10% of 35.00 = 3.50.
    outcome = run([rule("WELCOME10", PCT, "10")], ["welcome10"], LINES)
    assert outcome.applicable == {"welcome10": True}
    assert [(a.code, a.amount) for a in outcome.order_allocations] == [("welcome10", Money(Decimal("7.50"), "USD"))]
    assert outcome.line_allocations == {}
    # Half-even at the half: 2.5% of 1.00 = 0.025 -> 0.02, of 3.00 = 0.075 -> 0.08.
    assert percentage_of(Decimal("1.00"), Decimal("2.5"), "USD") == Decimal("0.02")
    assert percentage_of(Decimal("3.00"), Decimal("2.5"), "USD") == Decimal("0.08")


def test_fixed_amount_on_the_order_and_never_more_than_the_order() -> None:
    outcome = run([rule("SAVE5", FIXED, "5.00")], ["SAVE5"], LINES)
    assert outcome.order_allocations[0].amount == Money(Decimal("5.00"), "USD")
    big = run([rule("BIG", FIXED, "500.00")], ["BIG"], LINES)
    assert big.applicable == {"BIG": True}
    assert big.order_allocations[0].amount == Money(Decimal("74.98"), "USD")


def test_minimum_subtotal() -> None:
    save5 = rule("SAVE5", FIXED, "5", minimum_subtotal=Decimal("50.00"))
    assert run([save5], ["SAVE5"], LINES).applicable == {"SAVE5": True}
    small = run([save5], ["SAVE5"], LINES[:1])
    assert small.applicable == {"SAVE5": False}
    assert small.order_allocations == ()
    # Exactly the minimum qualifies.
    exact = run([rule("SAVE5", FIXED, "5", minimum_subtotal=Decimal("39.98"))], ["SAVE5"], LINES[:1])
    assert exact.applicable == {"SAVE5": True}


def test_dates_and_usage_limit() -> None:
    hour = timedelta(hours=1)
    cases: dict[str, dict[str, Any]] = {
        "ENDED": {"ends_at": NOW},
        "LATER": {"starts_at": NOW + hour},
        "USEDUP": {"usage_limit": 3, "times_used": 3},
        "OPEN": {"starts_at": NOW - hour, "ends_at": NOW + hour, "usage_limit": 3, "times_used": 2},
        "STARTED": {"starts_at": NOW},
    }
    rules = [rule(code, PCT, "10", **kw) for code, kw in cases.items()]
    # Every code is ORDER: give each its own cart, or only the first applicable one would apply.
    for r in rules:
        outcome = run(rules, [r.code], LINES)
        assert outcome.applicable == {r.code: r.code in ("OPEN", "STARTED")}, r.code
        assert bool(outcome.order_allocations) is (r.code in ("OPEN", "STARTED"))


def test_unknown_code_and_naive_times() -> None:
    outcome = evaluate({"NOPE": None}, ["nope"], LINES, NOW, "USD")
    assert outcome == evaluate({}, ["nope"], LINES, NOW, "USD")
    assert outcome.applicable == {"nope": False}
    naive = rule("N", PCT, "10", ends_at=datetime(2026, 6, 1, 13, 0))
    assert run([naive], ["N"], LINES).applicable == {"N": True}


def test_category_scoped_discount_applies_to_the_category_and_its_subcategories() -> None:
    outcome = run([rule("SHOES15", PCT, "15", target=CATEGORY, category_id="cat-footwear")], ["shoes15"], LINES)
    assert outcome.applicable == {"shoes15": True}
    assert outcome.order_allocations == ()
    # 15% of 39.98 = 5.997 -> 6.00; line b is not footwear.
    assert outcome.line_allocations == {"a": ((outcome.line_allocations["a"][0]),)}
    assert outcome.line_allocations["a"][0].amount == Money(Decimal("6.00"), "USD")
    none = run([rule("GARDEN", PCT, "15", target=CATEGORY, category_id="cat-garden")], ["GARDEN"], LINES)
    assert none.applicable == {"GARDEN": False}
    assert none.line_allocations == {}


def test_category_minimum_counts_only_the_category_lines() -> None:
    r = rule("HOME5", FIXED, "5", target=CATEGORY, category_id="cat-home", minimum_subtotal=Decimal("40"))
    # The cart is 74.98 but its Home lines are 35.00.
    assert run([r], ["HOME5"], LINES).applicable == {"HOME5": False}


def test_fixed_category_amount_spreads_proportionally_with_the_remainder_on_the_last_line() -> None:
    lines = [line(str(n), 1, "10.00", "c") for n in range(3)]
    outcome = run([rule("TEN", FIXED, "10.00", target=CATEGORY, category_id="c")], ["TEN"], lines)
    shares = [outcome.line_allocations[str(n)][0].amount.amount for n in range(3)]
    assert shares == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]


def test_one_order_code_and_one_category_code_at_most_first_wins() -> None:
    rules = [
        rule("A10", PCT, "10"),
        rule("B5", FIXED, "5"),
        rule("EXPIRED", PCT, "50", ends_at=NOW),
        rule("SHOES", PCT, "10", target=CATEGORY, category_id="cat-footwear"),
        rule("LAMPS", PCT, "10", target=CATEGORY, category_id="cat-home"),
    ]
    outcome = run(rules, ["EXPIRED", "B5", "SHOES", "A10", "LAMPS", "b5"], LINES)
    assert outcome.applicable == {
        "EXPIRED": False,
        "B5": True,
        "SHOES": True,
        "A10": False,
        "LAMPS": False,
        "b5": False,
    }
    # The category discount comes off first; the order's fixed 5.00 applies to what is left.
    assert outcome.line_allocations["a"][0].amount.amount == Decimal("4.00")
    assert outcome.order_allocations[0].code == "B5"
    assert outcome.order_allocations[0].amount.amount == Decimal("5.00")


def test_order_discount_after_a_category_discount_never_goes_below_zero() -> None:
    rules = [rule("ALL", PCT, "100", target=CATEGORY, category_id="cat-footwear"), rule("BIG", FIXED, "1000")]
    outcome = run(rules, ["ALL", "BIG"], LINES)
    assert outcome.line_allocations["a"][0].amount.amount == Decimal("39.98")
    assert outcome.order_allocations[0].amount.amount == Decimal("35.00")


def test_currency_rules() -> None:
    yen = [line("j", 3, "1000", "c", currency="JPY")]
    # A fixed amount in dollars does not apply to a yen cart; a percentage does.
    assert run([rule("USD5", FIXED, "5")], ["USD5"], yen, "JPY").applicable == {"USD5": False}
    minimum = rule("MIN", PCT, "10", minimum_subtotal=Decimal("10"))
    assert run([minimum], ["MIN"], yen, "JPY").applicable == {"MIN": False}
    outcome = run([rule("P", PCT, "33.33", "USD")], ["P"], yen, "JPY")
    assert outcome.order_allocations[0].amount == Money(Decimal("1000"), "JPY")  # 999.9 -> 1000
    kwd = [line("k", 1, "1.000", "c", currency="KWD"), line("l", 2, "0.125", "c", currency="KWD")]
    outcome = run([rule("K", FIXED, "0.100", "KWD", target=CATEGORY, category_id="c")], ["K"], kwd, "KWD")
    shares = [outcome.line_allocations[i][0].amount.amount for i in ("k", "l")]
    assert shares == [Decimal("0.080"), Decimal("0.020")]


def test_minor_units() -> None:
    assert (minor_unit("USD"), minor_unit("JPY"), minor_unit("KWD")) == (
        Decimal("0.01"),
        Decimal("1"),
        Decimal("0.001"),
    )


def test_rule_problems() -> None:
    assert rule_problems(rule("OK", PCT, "100")) == []
    fields = {
        "bad code": rule("has space", PCT, "10"),
        "zero pct": rule("Z", PCT, "0"),
        "over 100": rule("Z", PCT, "100.5"),
        "negative": rule("Z", FIXED, "-1"),
        "too precise": rule("Z", FIXED, "1.005"),
        "no category": rule("Z", PCT, "10", target=CATEGORY),
        "order with category": rule("Z", PCT, "10", category_id="c"),
        "dates": rule("Z", PCT, "10", starts_at=NOW, ends_at=NOW),
        "limit": rule("Z", PCT, "10", usage_limit=0),
    }
    for name, bad in fields.items():
        assert rule_problems(bad), name
        # An invalid rule never applies.
        assert run([bad], [bad.code], LINES).applicable == {bad.code: False}, name


# -- properties ------------------------------------------------------------------------------------

CURRENCIES = {"USD": 2, "JPY": 0, "KWD": 3}


@st.composite
def carts(draw: st.DrawFn) -> tuple[str, list[PricedLine]]:
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    places = CURRENCIES[currency]
    count = draw(st.integers(1, 8))
    lines = []
    for n in range(count):
        minor = draw(st.integers(0, 10**7))
        price = Decimal(minor).scaleb(-places)
        lines.append(
            line(f"l{n}", draw(st.integers(1, 20)), str(price), draw(st.sampled_from(["c", "d"])), currency=currency)
        )
    return currency, lines


@st.composite
def amount_rules(draw: st.DrawFn, currency: str) -> DiscountRule:
    places = CURRENCIES[currency]
    target = draw(st.sampled_from([ORDER, CATEGORY]))
    category = "c" if target is CATEGORY else None
    if draw(st.booleans()):
        value = Decimal(draw(st.integers(1, 10_000))).scaleb(-2)  # 0.01 .. 100.00 %
        return DiscountRule("P", PCT, value, currency, target, category)
    value = Decimal(draw(st.integers(1, 10**9))).scaleb(-places)
    return DiscountRule("F", FIXED, value, currency, target, category)


def exact(amount: Decimal, currency: str) -> bool:
    return amount == amount.quantize(minor_unit(currency)) and amount.as_tuple().exponent == -CURRENCIES[currency]


@given(st.data())
def test_allocations_are_exact_and_never_exceed_what_they_discount(data: st.DataObject) -> None:
    currency, lines = data.draw(carts())
    rules = [replace(data.draw(amount_rules(currency)), code=f"R{n}") for n in range(2)]
    codes = [r.code for r in rules]
    outcome = evaluate({r.code: r for r in rules}, codes, lines, NOW, currency)
    subtotals = {ln.line_id: ln.unit_price.amount * ln.quantity for ln in lines}
    line_total = Decimal(0)
    for line_id, allocations in outcome.line_allocations.items():
        for allocation in allocations:
            assert allocation.amount.currency_code == currency
            assert exact(allocation.amount.amount, currency)
            assert Decimal(0) <= allocation.amount.amount <= subtotals[line_id]
            line_total += allocation.amount.amount
    order_total = sum((a.amount.amount for a in outcome.order_allocations), Decimal(0))
    for allocation in outcome.order_allocations:
        assert exact(allocation.amount.amount, currency)
    # Never a negative total.
    assert line_total + order_total <= sum(subtotals.values())
    for r in rules:
        if not outcome.applicable[r.code] or r.kind is not FIXED:
            continue
        targets = [ln for ln in lines if r.target is ORDER or "c" in ln.category_ids]
        if r.target is ORDER:
            # After the category code: the amount in full, or all that is left when that is less.
            assert order_total == min(r.value, sum(subtotals.values()) - line_total)
        if r.target is CATEGORY:
            # A fixed amount is taken off in full, or all of what its lines cost when that is less.
            base = sum((subtotals[ln.line_id] for ln in targets), Decimal(0))
            got = sum((outcome.line_allocations[ln.line_id][0].amount.amount for ln in targets), Decimal(0))
            assert got == min(r.value, base)


@given(
    st.sampled_from(sorted(CURRENCIES)),
    st.integers(0, 10**10),
    st.lists(st.integers(0, 10**8), min_size=1, max_size=12),
)
def test_spread_sums_exactly_and_never_exceeds_a_base(currency: str, total_minor: int, bases_minor: list[int]) -> None:
    places = CURRENCIES[currency]
    bases = [Decimal(b).scaleb(-places) for b in bases_minor]
    total = Decimal(total_minor).scaleb(-places)
    shares = spread(total, bases, currency)
    assert len(shares) == len(bases)
    assert sum(shares, Decimal(0)) == min(total, sum(bases, Decimal(0)))
    for share, base in zip(shares, bases, strict=True):
        assert Decimal(0) <= share <= base
        assert exact(share, currency)


@pytest.mark.parametrize(("code", "stored"), [("welcome10", "WELCOME10"), ("  Save5 ", "SAVE5")])
def test_codes_match_case_insensitively(code: str, stored: str) -> None:
    assert normalise_code(code) == stored
    outcome = run([rule(stored, PCT, "10")], [code], LINES)
    assert outcome.applicable == {code: True}
