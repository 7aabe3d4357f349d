"""The demo discount codes ``bff seed`` writes (``docs/discounts.md`` lists them with what each shows).

Fixed dates, no clock: the expired code ended in 2024 and the others have no end, so the same codes behave
the same on every run. Re-seeding rewrites their terms and keeps their usage counts (``DiscountStore``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bff.backends.discounts import DiscountStore
from bff.domain.discounts import DiscountKind, DiscountRule, DiscountTarget

PERCENTAGE, FIXED = DiscountKind.PERCENTAGE, DiscountKind.FIXED_AMOUNT
CATEGORY = DiscountTarget.CATEGORY


def demo_discounts() -> list[DiscountRule]:
    """The demo codes, all in USD like the demo catalog."""
    return [
        DiscountRule("WELCOME10", PERCENTAGE, Decimal("10"), "USD", title="10% off your order"),
        DiscountRule(
            "SAVE5", FIXED, Decimal("5.00"), "USD", minimum_subtotal=Decimal("50.00"), title="$5 off orders over $50"
        ),
        DiscountRule(
            "FOOTWEAR15", PERCENTAGE, Decimal("15"), "USD", CATEGORY, "cat-footwear", title="15% off all footwear"
        ),
        DiscountRule(
            "OUTDOORS20",
            FIXED,
            Decimal("20.00"),
            "USD",
            CATEGORY,
            "cat-outdoors",
            minimum_subtotal=Decimal("100.00"),
            title="$20 off $100 of outdoor gear",
        ),
        DiscountRule(
            "SUMMER2024",
            PERCENTAGE,
            Decimal("25"),
            "USD",
            starts_at=datetime(2024, 6, 1, tzinfo=UTC),
            ends_at=datetime(2024, 9, 1, tzinfo=UTC),
            title="Summer sale 2024 (ended)",
        ),
        DiscountRule("FIRST100", PERCENTAGE, Decimal("20"), "USD", usage_limit=100, title="20% off, first 100 orders"),
        DiscountRule(
            "LAUNCH50", PERCENTAGE, Decimal("50"), "USD", usage_limit=1, times_used=1, title="Launch day (used up)"
        ),
    ]


async def seed_discounts(store: DiscountStore, *, if_missing: bool = False) -> int:
    """Write the demo codes; how many were written. With ``if_missing``, only when none of them is stored
    yet (``bff seed --if-empty``, the first start), so codes an import changed are left as they are."""
    rules = demo_discounts()
    if if_missing and any(await store.get_discounts([r.code for r in rules])):
        return 0
    await store.upsert_discounts(rules)
    return len(rules)
