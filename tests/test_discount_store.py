"""The ``DiscountStore`` contract, the same for SQLite and DynamoDB (moto's server)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bff.backends.discounts import DiscountStore
from bff.backends.dynamodb_catalog import create_table
from bff.backends.dynamodb_discounts import DynamoDiscountStore
from bff.backends.local.sqlite_discounts import SqliteDiscountStore
from bff.domain.discounts import DiscountKind, DiscountRule, DiscountTarget

FULL = DiscountRule(
    code="SHOES15",
    kind=DiscountKind.PERCENTAGE,
    value=Decimal("15.0"),
    currency_code="USD",
    target=DiscountTarget.CATEGORY,
    category_id="cat-footwear",
    minimum_subtotal=Decimal("50.00"),
    starts_at=datetime(2026, 1, 1, tzinfo=UTC),
    ends_at=datetime(2027, 1, 1, 8, 30, tzinfo=UTC),
    usage_limit=100,
    times_used=7,
    title="15% off footwear",
)
PLAIN = DiscountRule("SAVE5", DiscountKind.FIXED_AMOUNT, Decimal("5.00"), "USD")


@pytest.fixture(params=["sqlite", "dynamodb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DiscountStore]:
    if request.param == "sqlite":
        adapter: DiscountStore = await SqliteDiscountStore.open(tmp_path / "discounts.sqlite3")
    else:
        endpoint = request.getfixturevalue("aws")
        dynamo = await DynamoDiscountStore.open("discounts", "us-east-1", endpoint)
        await create_table(dynamo.requests)
        adapter = dynamo
    try:
        yield adapter
    finally:
        await adapter.close()


async def test_rules_round_trip_by_code_in_any_case(store: DiscountStore) -> None:
    await store.upsert_discounts([FULL, replace(PLAIN, code="save5")])
    found = await store.get_discounts(["shoes15", "NOPE", "Save5", "SHOES15"])
    assert found == [FULL, None, PLAIN, FULL]
    assert found[2] is not None and str(found[2].value) == "5.00"  # exact, as imported
    assert await store.get_discounts([]) == []


async def test_upsert_replaces_the_terms_but_keeps_the_usage_count(store: DiscountStore) -> None:
    await store.upsert_discounts([FULL])
    assert await store.record_usage("shoes15") is True
    changed = replace(FULL, value=Decimal("20"), ends_at=None, minimum_subtotal=None, times_used=0, title="")
    await store.upsert_discounts([changed])
    [stored] = await store.get_discounts(["SHOES15"])
    assert stored == replace(changed, times_used=8)


async def test_record_usage_stops_at_the_limit(store: DiscountStore) -> None:
    await store.upsert_discounts(
        [replace(PLAIN, usage_limit=5, times_used=1), replace(FULL, code="FREE", usage_limit=None)]
    )
    outcomes = [await store.record_usage("save5") for _ in range(6)]
    assert outcomes == [True] * 4 + [False] * 2
    [limited, unlimited] = await store.get_discounts(["SAVE5", "FREE"])
    assert limited is not None and limited.times_used == 5
    assert await store.record_usage("free") is True
    assert unlimited is not None
    [after] = await store.get_discounts(["FREE"])
    assert after is not None and after.times_used == unlimited.times_used + 1
    # An unknown code is never created by counting it.
    assert await store.record_usage("NOPE") is False
    assert await store.get_discounts(["NOPE"]) == [None]


async def test_concurrent_uses_never_pass_the_limit(tmp_path: Path) -> None:
    """SQLite only: there the adapter's one conditional UPDATE is what makes a use atomic. On DynamoDB the
    service evaluates an UpdateItem's condition and update atomically; moto's threaded server does not (it
    runs concurrent requests on the same item without a lock), so the same race there would test moto."""
    store = await SqliteDiscountStore.open(tmp_path / "discounts.sqlite3")
    try:
        await store.upsert_discounts([replace(PLAIN, usage_limit=5, times_used=1)])
        outcomes = await asyncio.gather(*(store.record_usage("save5") for _ in range(12)))
        assert sorted(outcomes) == [False] * 8 + [True] * 4
        [limited] = await store.get_discounts(["SAVE5"])
        assert limited is not None and limited.times_used == 5
    finally:
        await store.close()


async def test_many_codes_are_one_request(store: DiscountStore) -> None:
    rules = [replace(PLAIN, code=f"CODE{n}") for n in range(30)]
    await store.upsert_discounts(rules)
    if not isinstance(store, DynamoDiscountStore):
        assert [r.code for r in await store.get_discounts([r.code.lower() for r in rules]) if r] == [
            r.code for r in rules
        ]
        return
    before = store.requests.requests.copy()
    found = await store.get_discounts([r.code.lower() for r in rules])
    assert [r.code for r in found if r] == [r.code for r in rules]
    made = store.requests.requests - before
    assert made == {"dynamodb.BatchGetItem": 1}
