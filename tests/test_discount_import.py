"""Discount codes through ``import_feed`` (what ``bff import`` runs): every feed format, per-record
rejections with their lines, category references, re-imports that keep usage counts; on the real SQLite
stores, and once on DynamoDB (moto's server)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bff.backends.catalog import CatalogStore
from bff.backends.discounts import DiscountStore
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.local.sqlite_discounts import SqliteDiscountStore
from bff.catalog_io import FeedError, ImportReport, generate_catalog, import_feed
from bff.cli import app as cli
from bff.domain.discounts import DiscountKind, DiscountRule, DiscountTarget

YAML_FEED = """\
categories:
  - {id: c-boots, title: Boots, handle: boots}
discounts:
  - code: welcome10
    type: percentage
    value: 10
    title: 10% off
  - code: BOOTS5
    type: FIXED_AMOUNT
    value: 5.00
    category: boots
    minimum_subtotal: 50.00
    starts_at: 2026-01-01T00:00:00Z
    ends_at: 2026-12-31
    usage_limit: 3
  - code: broken
    type: percentage
    value: 150
  - code: NOWHERE
    type: percentage
    value: 10
    category: no-such-category
  - code: Welcome10
    type: percentage
    value: 20
"""


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[tuple[CatalogStore, DiscountStore]]:
    catalog = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    discounts = await SqliteDiscountStore.open(tmp_path / "discounts.sqlite3")
    yield catalog, discounts
    await discounts.close()
    await catalog.close()


def reasons(report: ImportReport) -> dict[int | None, str]:
    return {r.line: f"{r.kind} {r.id}: {r.reason}" for r in report.rejected}


async def test_yaml_discounts_land_and_bad_ones_are_rejected_by_line(
    stores: tuple[CatalogStore, DiscountStore], tmp_path: Path
) -> None:
    catalog, discounts = stores
    feed = tmp_path / "feed.yaml"
    feed.write_text(YAML_FEED)
    report = await import_feed(catalog, feed, progress=False, discounts=discounts)
    assert (report.discounts_read, report.discounts_imported) == (5, 2)
    assert reasons(report) == {
        18: "discount broken: value: a percentage must be more than 0 and at most 100",
        22: "discount NOWHERE: category: no category with id or handle 'no-such-category'",
        23: "discount Welcome10: code: duplicate discount code (first at line 4)",
    }
    assert "discounts: 5 read, 2 imported" in report.format()
    welcome, boots, broken = await discounts.get_discounts(["WELCOME10", "boots5", "BROKEN"])
    assert welcome == DiscountRule("WELCOME10", DiscountKind.PERCENTAGE, Decimal(10), "USD", title="10% off")
    assert boots == DiscountRule(
        "BOOTS5",
        DiscountKind.FIXED_AMOUNT,
        Decimal("5.00"),
        "USD",
        DiscountTarget.CATEGORY,
        "c-boots",  # the handle in the feed resolved to the category's id
        Decimal("50.00"),
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 12, 31, tzinfo=UTC),
        3,
    )
    assert broken is None


async def test_jsonl_json_and_csv_discounts(stores: tuple[CatalogStore, DiscountStore], tmp_path: Path) -> None:
    catalog, discounts = stores
    categories, _ = generate_catalog(products=1, seed=1)
    await catalog.upsert_categories(categories)
    jsonl = tmp_path / "feed.jsonl"
    jsonl.write_text(
        json.dumps({"kind": "discount", "code": "J1", "type": "percentage", "value": "12.5"})
        + "\n"
        + json.dumps({"kind": "discount", "code": "J2", "type": "fixed_amount", "value": 1.005})
        + "\n"
    )
    report = await import_feed(catalog, jsonl, progress=False, discounts=discounts)
    assert reasons(report) == {2: "discount J2: value: has more decimal places than USD allows"}
    whole = tmp_path / "feed.json"
    whole.write_text(
        json.dumps({"discounts": [{"code": "J3", "type": "fixed_amount", "value": 500, "currency": "JPY"}]})
    )
    assert (await import_feed(catalog, whole, progress=False, discounts=discounts)).ok
    csv = tmp_path / "discounts.csv"
    csv.write_text(
        "code,type,value,currency,category,minimum_subtotal,starts_at,ends_at,usage_limit,title\n"
        "C1,percentage,15,,cat-footwear,,,,,15% off footwear\n"
        "C2,fixed_amount,abc,,,,,,,\n"
        "C3,fixed_amount,5,USD,,50,,2024-09-01T00:00:00,1,\n"
        "C4,bogus,5,,,,,,,\n"
    )
    report = await import_feed(catalog, csv, progress=False, discounts=discounts)
    assert reasons(report) == {
        3: "discount C2: value: 'abc' is not a decimal number",
        5: "discount C4: type: input should be 'percentage' or 'fixed_amount'",
    }
    j1, j3, c1, c3 = await discounts.get_discounts(["j1", "j3", "c1", "c3"])
    assert j1 is not None and j1.value == Decimal("12.5")
    assert j3 is not None and (j3.value, j3.currency_code) == (Decimal(500), "JPY")
    assert c1 is not None and (c1.target, c1.category_id, c1.title) == (
        DiscountTarget.CATEGORY,
        "cat-footwear",
        "15% off footwear",
    )
    assert c3 is not None and (c3.minimum_subtotal, c3.ends_at, c3.usage_limit) == (
        Decimal(50),
        datetime(2024, 9, 1, tzinfo=UTC),
        1,
    )


async def test_reimport_keeps_the_usage_count(stores: tuple[CatalogStore, DiscountStore], tmp_path: Path) -> None:
    catalog, discounts = stores
    feed = tmp_path / "feed.jsonl"
    record = {"kind": "discount", "code": "ONCE", "type": "percentage", "value": 50, "usage_limit": 1}
    feed.write_text(json.dumps(record) + "\n")
    assert (await import_feed(catalog, feed, progress=False, discounts=discounts)).ok
    assert await discounts.record_usage("once") is True
    feed.write_text(json.dumps({**record, "value": 40}) + "\n")
    assert (await import_feed(catalog, feed, progress=False, discounts=discounts)).ok
    [once] = await discounts.get_discounts(["ONCE"])
    assert once is not None and (once.value, once.times_used) == (Decimal(40), 1)
    assert await discounts.record_usage("once") is False


async def test_without_a_discount_store_discount_records_are_rejected(tmp_path: Path) -> None:
    catalog = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    try:
        feed = tmp_path / "feed.jsonl"
        feed.write_text(json.dumps({"kind": "discount", "code": "X", "type": "percentage", "value": 5}) + "\n")
        report = await import_feed(catalog, feed, progress=False)
        assert [r.id for r in report.rejected] == ["X"]
    finally:
        await catalog.close()


async def test_a_discounts_csv_without_its_columns_is_unreadable(
    stores: tuple[CatalogStore, DiscountStore], tmp_path: Path
) -> None:
    catalog, discounts = stores
    feed = tmp_path / "discounts.csv"
    feed.write_text("code,title\nX,y\n")
    with pytest.raises(FeedError, match="type, value"):
        await import_feed(catalog, feed, progress=False, discounts=discounts)


def test_bff_import_writes_discounts_to_dynamodb(aws: str, tmp_path: Path) -> None:
    env = {
        "BFF_CATALOG_BACKEND": "dynamodb",
        "BFF_AWS_ENDPOINT_URL": aws,
        "BFF_DYNAMODB_TABLE": "import-discounts",
        "BFF_DATA_DIR": str(tmp_path),
        "BFF_ENV": "test",
    }
    feed = tmp_path / "feed.yaml"
    feed.write_text(YAML_FEED)
    runner = CliRunner()
    assert runner.invoke(cli, ["dynamodb", "create-table"], env=env).exit_code == 0
    result = runner.invoke(cli, ["import", str(feed)], env=env)
    assert result.exit_code == 1, result.output  # some records were rejected
    assert "discounts: 5 read, 2 imported" in result.output
    assert "line 18: discount 'broken': value:" in result.output

    async def stored() -> list[DiscountRule | None]:
        from bff.backends.dynamodb_discounts import DynamoDiscountStore

        store = await DynamoDiscountStore.open("import-discounts", "us-east-1", aws)
        try:
            return await store.get_discounts(["WELCOME10", "BOOTS5", "BROKEN"])
        finally:
            await store.close()

    welcome, boots, broken = asyncio.run(stored())
    assert welcome is not None and welcome.value == Decimal(10)
    assert boots is not None and (boots.category_id, boots.usage_limit) == ("c-boots", 3)
    assert broken is None
