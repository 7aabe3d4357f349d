"""Discount codes on a cart (both cart stores): which apply, what they take off, exact in minor units."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from bff.domain.discounts import DiscountKind, DiscountRule, DiscountTarget
from bff.ids import from_global_id
from tests.cart_fixtures import CODES, Shop

CART = """query($id: ID!) { cart(id: $id) {
  discountCodes { code applicable }
  discountAllocations { code discountedAmount { amount currencyCode } }
  cost { subtotalAmount { amount } totalAmount { amount } }
  lines(first: 50) { nodes { id quantity cost { subtotalAmount { amount } totalAmount { amount } }
    discountAllocations { code discountedAmount { amount } }
    merchandise { product { category { id breadcrumbs { id } } } } } }
} }"""
CENT = Decimal("0.01")


def percent(amount: Decimal, value: Decimal) -> Decimal:
    return (amount * value / 100).quantize(CENT, rounding=ROUND_HALF_EVEN)


async def store_rules(shop: Shop, *rules: DiscountRule) -> None:
    await shop.app.state.backends.discounts.upsert_discounts(list(rules))


async def test_codes_apply_by_their_rules_and_the_rest_stay_not_applicable(shop: Shop) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    a, b, c = (await shop.variants(5))[10:13]
    cart = await shop.new_cart(
        [
            {"merchandiseId": a["id"], "quantity": 3},
            {"merchandiseId": b["id"]},
            {"merchandiseId": c["id"], "quantity": 2},
        ]
    )
    lines = (await shop.send(CART, id=cart["id"]))["data"]["cart"]["lines"]["nodes"]
    category = lines[0]["merchandise"]["product"]["category"]["id"]
    in_category = {
        ln["id"]
        for ln in lines
        if category
        in {ln["merchandise"]["product"]["category"]["id"]}
        | {b["id"] for b in ln["merchandise"]["product"]["category"]["breadcrumbs"]}
    }
    past = datetime.now(UTC) - timedelta(days=1)
    await store_rules(
        shop,
        DiscountRule(
            f"CAT15{tag}",
            DiscountKind.PERCENTAGE,
            Decimal(15),
            "USD",
            DiscountTarget.CATEGORY,
            from_global_id(category, "Category")[1],
        ),
        DiscountRule(f"PCT10{tag}", DiscountKind.PERCENTAGE, Decimal(10), "USD"),
        DiscountRule(f"OLD{tag}", DiscountKind.PERCENTAGE, Decimal(50), "USD", ends_at=past),
        DiscountRule(f"USEDUP{tag}", DiscountKind.PERCENTAGE, Decimal(50), "USD", usage_limit=1, times_used=1),
    )
    codes = [f"cat15{tag}", f"PCT10{tag}", f"OLD{tag}", f"USEDUP{tag}", f"NOPE{tag}"]
    updated = (await shop.send(CODES, cartId=cart["id"], codes=codes))["data"]["cartDiscountCodesUpdate"]
    assert updated["userErrors"] == []

    read = (await shop.send(CART, id=cart["id"]))["data"]["cart"]
    assert read["discountCodes"] == [{"code": c, "applicable": i < 2} for i, c in enumerate(codes)]
    after_lines = Decimal(0)
    for line in read["lines"]["nodes"]:
        subtotal = Decimal(line["cost"]["subtotalAmount"]["amount"])
        off = percent(subtotal, Decimal(15)) if line["id"] in in_category else Decimal(0)
        expected = [{"code": codes[0], "discountedAmount": {"amount": str(off)}}] if off else []
        assert line["discountAllocations"] == expected
        assert Decimal(line["cost"]["totalAmount"]["amount"]) == subtotal - off
        after_lines += subtotal - off
    order_off = sum(
        (percent(Decimal(ln["cost"]["totalAmount"]["amount"]), Decimal(10)) for ln in read["lines"]["nodes"]),
        Decimal(0),
    )
    assert read["discountAllocations"] == [
        {"code": codes[1], "discountedAmount": {"amount": str(order_off), "currencyCode": "USD"}}
    ]
    assert Decimal(read["cost"]["totalAmount"]["amount"]) == after_lines - order_off
    assert Decimal(read["cost"]["subtotalAmount"]["amount"]) == after_lines


async def test_a_fixed_amount_waits_for_its_minimum_subtotal(shop: Shop) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    variant = (await shop.variants(10))[20]
    price = Decimal(variant["price"]["amount"])
    await store_rules(
        shop,
        DiscountRule(f"FIX{tag}", DiscountKind.FIXED_AMOUNT, Decimal("3.33"), "USD", minimum_subtotal=price * 2),
    )
    cart = await shop.new_cart([{"merchandiseId": variant["id"]}], discountCodes=[f"FIX{tag}"])
    read: dict[str, Any] = (await shop.send(CART, id=cart["id"]))["data"]["cart"]
    assert read["discountCodes"] == [{"code": f"FIX{tag}", "applicable": False}]
    assert read["cost"]["totalAmount"] == read["cost"]["subtotalAmount"]

    line = read["lines"]["nodes"][0]["id"]
    from tests.cart_fixtures import UPDATE

    await shop.send(UPDATE, cartId=cart["id"], lines=[{"id": line, "quantity": 2}])
    read = (await shop.send(CART, id=cart["id"]))["data"]["cart"]
    assert read["discountCodes"] == [{"code": f"FIX{tag}", "applicable": True}]
    subtotal = Decimal(read["cost"]["subtotalAmount"]["amount"])
    assert Decimal(read["cost"]["totalAmount"]["amount"]) == subtotal - Decimal("3.33")
    assert read["discountAllocations"][0]["discountedAmount"]["amount"] == "3.33"


async def test_reading_codes_costs_one_more_call_and_only_with_codes(shop: Shop) -> None:
    variant = (await shop.variants(10))[21]
    cart = await shop.new_cart([{"merchandiseId": variant["id"]}], discountCodes=["NOSUCHCODE"])
    calls = await shop.send("query($id: ID!) { cart(id: $id) { cost { totalAmount { amount } } } }", id=cart["id"])
    assert calls["extensions"]["backendCalls"]["total"] == 3  # the cart, its variants, the codes' rules
