"""The demo discount codes (``bff seed``) on the store the registry opens beside the catalog, evaluated
against carts made of the demo catalog's products."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
from bff.backends.dynamodb_discounts import DynamoDiscountStore
from bff.backends.local.sqlite_discounts import SqliteDiscountStore
from bff.backends.ports import unwrap
from bff.backends.registry import build_backends
from bff.catalog_io import demo_discounts, generate_catalog, seed_discounts
from bff.domain.catalog import ProductRecord
from bff.domain.discounts import PricedLine, evaluate
from tests.conftest import make_settings

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def priced(record: ProductRecord, quantity: int, ancestors: dict[str, tuple[str, ...]]) -> PricedLine:
    variant = record.variants[0]
    category = record.product.category_id or ""
    return PricedLine(variant.id, quantity, variant.price, (category, *ancestors[category]))


async def test_registry_opens_the_discount_store_beside_the_catalog(tmp_path: Path, aws: str) -> None:
    async with build_backends(make_settings(tmp_path / "embedded")) as backends:
        assert isinstance(unwrap(backends.discounts), SqliteDiscountStore)
    aws_settings = make_settings(
        tmp_path / "aws", catalog_backend="dynamodb", aws_endpoint_url=aws, dynamodb_table="seeded"
    )
    catalog = await DynamoCatalogStore.open("seeded", "us-east-1", aws)
    await create_table(catalog.requests)
    await catalog.close()
    async with build_backends(aws_settings) as backends:
        assert isinstance(unwrap(backends.discounts), DynamoDiscountStore)
        assert await seed_discounts(backends.discounts) == len(demo_discounts())
        found = await backends.discounts.get_discounts(["welcome10"])
        assert found[0] is not None and found[0].code == "WELCOME10"


async def test_demo_codes_show_every_rule(tmp_path: Path) -> None:
    categories, records = generate_catalog(products=80, seed=42)
    ancestors = {c.id: c.ancestor_ids for c in categories}
    footwear = next(r for r in records if "cat-footwear" in ancestors[r.product.category_id or ""])
    other = next(
        r
        for r in records
        if "cat-footwear" not in ancestors[r.product.category_id or ""] and r.variants[0].price.amount < 50
    )
    store = await SqliteDiscountStore.open(tmp_path / "discounts.sqlite3")
    try:
        assert await seed_discounts(store) == 7
        assert await seed_discounts(store, if_missing=True) == 0
        codes = [r.code.lower() for r in demo_discounts()]
        rules = dict(zip(codes, await store.get_discounts(codes), strict=True))
    finally:
        await store.close()
    cheap = [priced(other, 1, ancestors)]
    both = [priced(footwear, 3, ancestors), priced(other, 1, ancestors)]
    for code, cart, applies in [
        ("welcome10", cheap, True),
        ("save5", cheap, False),  # under the $50 minimum
        ("save5", both, True),
        ("footwear15", cheap, False),  # no footwear in the cart
        ("footwear15", both, True),
        ("summer2024", both, False),  # ended
        ("first100", both, True),
        ("launch50", both, False),  # used up
    ]:
        outcome = evaluate(rules, [code], cart, NOW, "USD")
        assert outcome.applicable == {code: applies}, code
    shoes = evaluate(rules, ["footwear15"], both, NOW, "USD")
    assert set(shoes.line_allocations) == {footwear.variants[0].id}
