"""The stores' data in the single table (moto's DynamoDB server) and in SQLite; ``bff import --stores``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from bff.backends.dynamodb_catalog import create_table
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.local.stores_sqlite import SqliteStoreLocator
from bff.backends.stores_dynamodb import DynamoStoreLocator
from bff.domain.store_records import store_to_dict
from bff.domain.stores import GeoPoint, NearbyQuery
from bff.services.stores_feed import import_stores
from bff.services.stores_seed import generate_stores

TABLE = "stores-test"


async def test_dynamodb_keys_listing_by_region_and_nearest(aws: str) -> None:
    locator = await DynamoStoreLocator.open(TABLE, "us-east-1", aws, refresh_seconds=0.0)
    other = await DynamoStoreLocator.open(TABLE, "us-east-1", aws, refresh_seconds=3600)
    try:
        await create_table(locator.requests)
        stores = generate_stores(60, seed=11, countries=("FR", "GB"))
        await locator.upsert_stores(stores)
        item = await locator.requests.call(
            "GetItem", {"TableName": TABLE, "Key": {"pk": {"S": f"STORE#{stores[0].id}"}, "sk": {"S": "STORE"}}}
        )
        first = stores[0]
        assert item["Item"]["gsi2pk"]["S"] == f"STORES#{first.address.country}"
        assert item["Item"]["gsi2sk"]["S"] == f"{first.address.region}#{first.id}"
        french = await locator.list_stores("FR")
        assert {s.id for s in french} == {s.id for s in stores if s.address.country == "FR"}
        assert [(s.address.region, s.id) for s in french] == sorted((s.address.region, s.id) for s in french)
        region = first.address.region
        assert {s.id for s in await locator.list_stores(first.address.country, region)} == {
            s.id for s in stores if s.address.country == first.address.country and s.address.region == region
        }
        # Another process reads the whole set from the table (GSI2, one query per country).
        assert await other.count_stores() == 60
        assert await other.get_stores([first.id, "nope"]) == [first, None]
        origin = GeoPoint(48.8566, 2.3522)
        query = NearbyQuery(origin, 20_000, 5)
        assert [n.store.id for n in await other.nearest(query)] == [n.store.id for n in await locator.nearest(query)]
        moved = replace(first, name="Moved")
        await locator.upsert_stores([moved])
        assert (await locator.get_stores([first.id]))[0] == moved
    finally:
        await locator.close()
        await other.close()


async def test_sqlite_notices_another_process_writes(tmp_path: Path) -> None:
    path = tmp_path / "stores.sqlite3"
    reader = await SqliteStoreLocator.open(path, check_interval=0.0)
    writer = await SqliteStoreLocator.open(path)
    try:
        assert await reader.count_stores() == 0
        await writer.upsert_stores(generate_stores(10, seed=2, countries=("DE",)))
        assert await reader.count_stores() == 10
        assert [s.address.country for s in await reader.list_stores("DE")] == ["DE"] * 10
    finally:
        await reader.close()
        await writer.close()


async def test_a_stores_feed_lands_its_good_records_and_names_the_bad_ones(tmp_path: Path) -> None:
    good = [store_to_dict(s) for s in generate_stores(3, seed=4, countries=("IE",))]
    lines = [json.dumps(good[0]), json.dumps({**good[1], "timezone": "Nowhere/Else"}), "{not json", json.dumps(good[2])]
    feed = tmp_path / "stores.jsonl"
    feed.write_text("\n".join(lines) + "\n")
    locator = await SqliteStoreLocator.open(tmp_path / "stores.sqlite3")
    try:
        report = await import_stores(locator, feed)
        assert report.imported == 2
        assert [number for number, _ in report.rejected] == [2, 3]
        assert "timezone" in report.rejected[0][1]
        assert await locator.count_stores() == 2
    finally:
        await locator.close()


def test_the_cli_seeds_demo_stores_and_imports_a_stores_feed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")} | {"BFF_DATA_DIR": str(tmp_path)}
    bff = str(Path(sys.executable).parent / "bff")
    seeded = subprocess.run(
        [bff, "seed", "--products", "12", "--stores", "15"], env=env, capture_output=True, text=True, timeout=300
    )
    assert seeded.returncode == 0, seeded.stderr
    assert "15 stores in" in seeded.stdout
    feed = tmp_path / "feed.jsonl"
    good = store_to_dict(generate_stores(1, seed=99, countries=("NL",))[0])
    feed.write_text(json.dumps({**good, "id": "nl-1"}) + "\n" + json.dumps({**good, "latitude": "north"}) + "\n")
    imported = subprocess.run(
        [bff, "import", "--stores", str(feed)], env=env, capture_output=True, text=True, timeout=300
    )
    assert imported.returncode == 1  # one record rejected
    assert "1 stores imported, 1 rejected" in imported.stdout and "record 2: latitude" in imported.stdout


async def test_a_first_start_seeds_demo_stores_holding_catalog_variants(tmp_path: Path) -> None:
    from bff.first_start import seed_if_empty
    from bff.services.stores_seed import DEMO_STORES
    from tests.conftest import make_settings

    settings = make_settings(tmp_path)
    assert await seed_if_empty(settings, products=10) is not None
    locator = await SqliteStoreLocator.open(settings.stores_db_path)
    try:
        stores = await locator.list_stores("FR") + await locator.list_stores("US")
        assert await locator.count_stores() == DEMO_STORES
        stocked = sorted({variant for s in stores for variant in s.pickup_stock})
        catalog = await SqliteCatalogStore.open(settings.catalog_db_path)
        try:
            assert stocked and None not in await catalog.get_variants(stocked)  # the catalog's own variants
        finally:
            await catalog.close()
    finally:
        await locator.close()
