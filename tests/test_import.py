"""``import_feed`` against the real SQLite store: every format, rejections with lines, idempotent re-import,
and the retail-demo-store catalog."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from bff import datasets
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import FeedError, ImportReport, import_feed
from bff.domain.catalog import PageRequest, ProductQuery, ProductSortKey, StockLevel

RETAIL_DEMO = datasets.retail_demo_store()
needs_retail_demo = pytest.mark.skipif(
    datasets.missing(RETAIL_DEMO / "products.yaml") is not None,
    reason=str(datasets.missing(RETAIL_DEMO / "products.yaml")),
)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteCatalogStore]:
    opened = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    yield opened
    await opened.close()


def product(pid: str, title: str, *variants: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"id": pid, "title": title, "variants": list(variants), **fields}


def variant(sku: str, price: Any, quantity: Any = 5, **fields: Any) -> dict[str, Any]:
    return {"sku": sku, "price": price, "quantity_available": quantity, **fields}


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def reasons(report: ImportReport) -> dict[int | None, str]:
    return {r.line: r.reason for r in report.rejected}


async def all_handles(store: SqliteCatalogStore) -> list[str]:
    page = await store.list_products(ProductQuery(), ProductSortKey.ID, False, PageRequest(limit=10_000))
    return [p.handle for p in page.items]


@pytest.mark.asyncio
async def test_jsonl_feed_lands_products_variants_and_categories(store: SqliteCatalogStore, tmp_path: Path) -> None:
    feed = write_jsonl(
        tmp_path / "feed.jsonl",
        [
            {"kind": "category", "id": "c-shoes", "title": "Shoes"},
            {"kind": "category", "id": "c-boots", "title": "Winter Boots", "parent": "shoes"},
            product(
                "p1",
                "Trail Boot",
                variant("TB-9-BRN", "129.00", 3, options={"Size": "9", "Color": "Brown"}, compare_at_price="149.00"),
                variant("TB-10-BRN", 134.5, 0, options={"Size": "10", "Color": "Brown"}),
                category="winter-boots",
                tags=["boots", "winter"],
                images=[{"url": "https://img.example/tb.jpg", "alt_text": "Trail Boot", "width": 800, "height": 600}],
            ),
        ],
    )

    report = await import_feed(store, feed, progress=False)

    assert report.ok and (report.created, report.updated, report.categories_created) == (1, 0, 2)
    (stored,) = await store.get_products(["p1"])
    assert stored is not None
    assert stored.handle == "trail-boot" and stored.category_id == "c-boots" and stored.tags == ("boots", "winter")
    assert [(o.name, o.values) for o in stored.options] == [("Size", ("9", "10")), ("Color", ("Brown",))]
    assert stored.min_price is not None and stored.min_price.amount == Decimal("129.00")
    assert stored.available and stored.images[0].width == 800
    (variants,) = await store.get_variants_by_product(["p1"])
    assert [(v.id, v.title, v.price.amount) for v in variants] == [
        ("TB-9-BRN", "9 / Brown", Decimal("129.00")),
        ("TB-10-BRN", "10 / Brown", Decimal("134.50")),
    ]
    assert variants[0].compare_at_price is not None and variants[0].compare_at_price.amount == Decimal("149.00")
    (boots,) = await store.get_categories(["c-boots"])
    assert boots is not None and boots.handle == "winter-boots" and boots.ancestor_ids == ("c-shoes",)


@pytest.mark.asyncio
async def test_products_of_a_rejected_category_are_rejected_too(store: SqliteCatalogStore, tmp_path: Path) -> None:
    feed = write_jsonl(
        tmp_path / "feed.jsonl",
        [
            {"kind": "category", "id": "c-a", "title": "A", "parent": "nowhere"},
            {"kind": "category", "id": "c-b", "title": "B", "parent": "c-a"},
            {"kind": "category", "id": "c-ok", "title": "Ok"},
            product("p1", "In B", variant("P1", "1.00"), category="c-b"),
            product("p2", "In Ok", variant("P2", "1.00"), category="c-ok"),
            product("p3", "In A by handle", variant("P3", "1.00"), category="a"),
        ],
    )

    report = await import_feed(store, feed, progress=False)

    assert reasons(report) == {
        1: "parent: unknown category 'nowhere'",
        2: "parent: category 'c-a' was rejected",
        4: "category: 'c-b' was rejected",
        6: "category: 'a' was rejected",
    }
    assert (report.created, report.categories_created) == (1, 1)
    assert await store.count_categories(None, False) == 1
    p1, p2, p3 = await store.get_products(["p1", "p2", "p3"])
    assert p1 is None and p3 is None
    assert p2 is not None and p2.category_id == "c-ok"


@pytest.mark.asyncio
async def test_json_array_and_object_feeds_both_import(store: SqliteCatalogStore, tmp_path: Path) -> None:
    array = tmp_path / "array.json"
    array.write_text(json.dumps([product("a1", "Mug", variant("MUG-1", "12.00"))], indent=2))
    obj = tmp_path / "object.json"
    obj.write_text(
        json.dumps(
            {
                "version": 1,
                "categories": [{"id": "kitchen", "title": "Kitchen"}],
                "products": [product("a2", "Bowl", variant("BOWL-1", "18.25"), category="kitchen")],
            },
            indent=2,
        )
    )

    first = await import_feed(store, array, progress=False)
    second = await import_feed(store, obj, progress=False)

    assert (first.feed_format, first.created, second.created, second.categories_created) == ("json", 1, 1, 1)
    a1, a2 = await store.get_products(["a1", "a2"])
    assert a1 is not None and a1.title == "Mug"
    assert a2 is not None and a2.category_id == "kitchen"
    assert a2.max_price is not None and a2.max_price.amount == Decimal("18.25")


@pytest.mark.asyncio
async def test_yaml_feed_keeps_prices_exact(store: SqliteCatalogStore, tmp_path: Path) -> None:
    feed = tmp_path / "feed.yaml"
    feed.write_text(
        """
categories:
  - {id: lamps, title: Lamps}
products:
  - id: y1
    title: Brass Desk Lamp
    category: lamps
    created_at: 2024-03-01T10:00:00Z
    variants:
      - {sku: LAMP-1, price: 0.10, quantity_available: 4}
      - {sku: LAMP-2, price: 89.90, quantity_available: 0, options: {Finish: Matte}}
    options: [{name: Finish, values: [Gloss, Matte]}]
"""
    )

    report = await import_feed(store, feed, progress=False)

    # LAMP-1 names no Finish although the product declares one.
    assert report.created == 0 and len(report.rejected) == 1
    rejection = report.rejected[0]
    assert rejection.id == "y1" and rejection.line == 10
    assert "variants[0].options" in rejection.reason

    feed.write_text(
        feed.read_text().replace("price: 0.10, quantity_available: 4}", "price: 0.10, options: {Finish: Gloss}}")
    )
    report = await import_feed(store, feed, progress=False)

    assert report.ok and report.created == 1
    (variants,) = await store.get_variants_by_product(["y1"])
    assert [str(v.price.amount) for v in variants] == ["0.10", "89.90"]
    (stored,) = await store.get_products(["y1"])
    assert (
        stored is not None
        and stored.created_at is not None
        and stored.created_at.isoformat() == "2024-03-01T10:00:00+00:00"
    )


CSV_FEED = """\
product_id,title,vendor,category,tags,images,sku,price,compare_at_price,quantity_available,option1_name,option1_value
tee,Crew Tee,Loomwell,Apparel > Tops,"basics, cotton",https://img.example/tee-1.jpg|https://img.example/tee-2.jpg,TEE-S,19.99,25.00,4,Size,S
tee,Crew Tee,,,,,TEE-M,19.99,25.00,0,Size,M
cap,Canvas Cap,Loomwell,Apparel,,,CAP-1,15,,7,,
tee,,,,,,TEE-L,21.99,,2,Size,L
"""


@pytest.mark.asyncio
async def test_csv_rows_group_into_products_with_variants(store: SqliteCatalogStore, tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text(CSV_FEED)

    report = await import_feed(store, feed, progress=False)

    assert report.ok and (report.products_read, report.created, report.categories_created) == (2, 2, 2)
    tee, cap = await store.get_products(["tee", "cap"])
    assert tee is not None and cap is not None
    assert tee.tags == ("basics", "cotton") and [i.url for i in tee.images][1] == "https://img.example/tee-2.jpg"
    assert tee.options[0].values == ("S", "M", "L") and tee.available
    (tee_variants,) = await store.get_variants_by_product(["tee"])
    assert sum(v.quantity_available for v in tee_variants) == 6
    (tops,) = await store.get_categories([tee.category_id or ""])
    assert tops is not None and tops.title == "Tops" and tops.parent_id == cap.category_id
    tee_variants, cap_variants = await store.get_variants_by_product(["tee", "cap"])
    assert [v.sku for v in tee_variants] == ["TEE-S", "TEE-M", "TEE-L"]
    assert cap_variants[0].title == "Default Title" and str(cap_variants[0].price.amount) == "15.00"


@pytest.mark.asyncio
async def test_csv_rejection_points_at_the_row_and_column(store: SqliteCatalogStore, tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text(CSV_FEED.replace("TEE-L,21.99", "TEE-L,21.999").replace("Canvas Cap,Loomwell", "Canvas Cap,Capco"))
    feed.write_text(feed.read_text() + "cap,Canvas Cap,Loomwell,,,,CAP-2,16,,1,,\n")

    report = await import_feed(store, feed, progress=False)

    assert reasons(report) == {
        5: "price: has more than 2 decimal places (21.999)",
        6: "vendor 'Loomwell' differs from the product's row at line 4",
    }
    assert report.imported == 0 and await store.count_products(ProductQuery()) == 0


@pytest.mark.asyncio
async def test_bad_records_are_rejected_with_line_and_reason_and_good_ones_land(
    store: SqliteCatalogStore, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.ndjson"
    lines = [
        product("ok1", "Good Mug", variant("G-1", "10.00")),
        product("neg", "Negative", variant("N-1", "-1.00")),
        product("nan", "Not a price", variant("X-1", "ten dollars")),
        {"id": "untitled", "variants": [variant("U-1", "5.00")]},
        product("dup", "Duplicate SKU", variant("G-1", "11.00")),
        product("qneg", "Negative stock", variant("Q-1", "5.00", -3)),
        product("qfrac", "Fractional stock", variant("Q-2", "5.00", 2.5)),
        product("cents", "Too precise", variant("C-1", "1.999")),
        product("ok2", "Good Bowl", variant("G-2", 7)),
    ]
    text = "".join(json.dumps(r) + "\n" for r in lines)
    feed.write_text(text.replace('{"id": "ok2"', '{"id": broken\n{"id": "ok2"'))

    report = await import_feed(store, feed, progress=False)

    assert reasons(report) == {
        2: "variants[0].price: must not be negative (got -1.00)",
        3: "variants[0].price: 'ten dollars' is not a decimal number",
        4: "title: is required",
        5: "variants[0].sku: sku 'G-1' is already used by product 'ok1' at line 1",
        6: "variants[0].quantity_available: must be a whole number >= 0 (got -3)",
        7: "variants[0].quantity_available: must be a whole number >= 0 (got 2.5)",
        8: "variants[0].price: has more than 2 decimal places (1.999)",
        9: "invalid JSON: Expecting value (column 8)",
    }
    assert [r.id for r in report.rejected][:7] == ["neg", "nan", "untitled", "dup", "qneg", "qfrac", "cents"]
    assert (report.products_read, report.created) == (10, 2)
    ok1, ok2, neg = await store.get_products(["ok1", "ok2", "neg"])
    assert ok1 is not None and ok2 is not None and neg is None
    assert "line 5: product 'dup': variants[0].sku" in report.format()


@pytest.mark.asyncio
async def test_yaml_rejection_points_at_the_offending_field(store: SqliteCatalogStore, tmp_path: Path) -> None:
    feed = tmp_path / "feed.yml"
    feed.write_text(
        "- id: a\n  title: Fine\n  variants:\n    - sku: A-1\n      price: 3.50\n"
        "- id: b\n  title: Broken\n  variants:\n    - sku: B-1\n      price: 3.50\n    - sku: B-2\n"
        "      quantity_available: 1\n      price: 2.005\n"
    )

    report = await import_feed(store, feed, progress=False)

    assert [(r.line, r.index, r.id, r.reason) for r in report.rejected] == [
        (13, 1, "b", "variants[1].price: has more than 2 decimal places (2.005)")
    ]
    assert report.created == 1


@pytest.mark.asyncio
async def test_json_rejection_carries_record_index_and_line(store: SqliteCatalogStore, tmp_path: Path) -> None:
    feed = tmp_path / "feed.json"
    feed.write_text(
        json.dumps([product("a", "A", variant("A1", "1.00")), product("b", "", variant("B1", "1.00"))], indent=1)
    )

    report = await import_feed(store, feed, progress=False)

    (rejection,) = report.rejected
    assert (rejection.index, rejection.id, rejection.reason) == (1, "b", "title: must not be empty")
    assert rejection.line == feed.read_text().splitlines().index(" {", 2) + 1


@pytest.mark.asyncio
async def test_reimport_updates_in_place_and_never_duplicates(store: SqliteCatalogStore, tmp_path: Path) -> None:
    records = [
        product(f"p{i}", "Linen Throw", variant(f"LT-{i}", "40.00"), category="Home > Textiles") for i in range(4)
    ]
    feed = write_jsonl(tmp_path / "feed.jsonl", records)
    first = await import_feed(store, feed, progress=False)
    handles = await all_handles(store)

    records[2]["variants"][0]["price"] = "35.00"
    records[3]["title"] = "Wool Throw"
    second = await import_feed(store, write_jsonl(feed, records), progress=False)

    assert (first.created, first.categories_created) == (4, 2)
    assert (second.created, second.updated, second.categories_created) == (0, 4, 0)
    assert await store.count_products(ProductQuery()) == 4
    assert await store.count_categories(None, False) == 2
    assert sorted(handles) == ["linen-throw", "linen-throw-2", "linen-throw-3", "linen-throw-4"]
    assert await all_handles(store) == handles  # a retitled product keeps its URL
    p2, p3 = await store.get_products(["p2", "p3"])
    assert p2 is not None and p2.min_price is not None and p2.min_price.amount == Decimal("35.00")
    assert p3 is not None and p3.title == "Wool Throw"


@pytest.mark.asyncio
async def test_a_handle_owned_by_another_product_is_refused(store: SqliteCatalogStore, tmp_path: Path) -> None:
    await import_feed(
        store, write_jsonl(tmp_path / "a.jsonl", [product("a", "Alpha", variant("A", "1.00"))]), progress=False
    )

    feed = write_jsonl(
        tmp_path / "b.jsonl",
        [product("b", "Beta", variant("B", "1.00"), handle="alpha"), product("c", "Gamma", variant("C", "1.00"))],
    )
    report = await import_feed(store, feed, progress=False)

    assert reasons(report) == {1: "handle 'alpha' is already used by 'a'"}
    assert report.created == 1


@pytest.mark.asyncio
async def test_a_sku_owned_by_a_stored_product_fails_only_that_record(
    store: SqliteCatalogStore, tmp_path: Path
) -> None:
    await import_feed(
        store, write_jsonl(tmp_path / "a.jsonl", [product("a", "Alpha", variant("SKU-A", "1.00"))]), progress=False
    )

    feed = write_jsonl(
        tmp_path / "b.jsonl",
        [product(f"n{i}", f"New {i}", variant(f"SKU-N{i}", "2.00")) for i in range(5)]
        + [product("thief", "Thief", variant("SKU-A", "3.00", id="thief-1"))],
    )
    report = await import_feed(store, feed, progress=False)

    assert reasons(report) == {6: "a SKU is already used by another product in the catalog"}
    assert report.created == 5 and await store.count_products(ProductQuery()) == 6


@pytest.mark.asyncio
async def test_unknown_fields_are_imported_around_and_reported(store: SqliteCatalogStore, tmp_path: Path) -> None:
    feed = write_jsonl(
        tmp_path / "feed.jsonl",
        [
            product("a", "A", variant("A1", "1.00", weight_grams=200), colour="red"),
            product("b", "B", variant("B1", "1.00"), colour="blue"),
        ],
    )

    report = await import_feed(store, feed, progress=False)

    assert report.ok and report.created == 2
    assert dict(report.unknown_fields) == {"colour": 2, "variants[].weight_grams": 1}
    assert "ignored unknown fields (records): colour (2), variants[].weight_grams (1)" in report.format()


@pytest.mark.asyncio
async def test_unreadable_feeds_raise_feed_error(tmp_path: Path, store: SqliteCatalogStore) -> None:
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("- id: a\n  title: [unclosed\n- id: b\n")
    csv_without_price = tmp_path / "bad.csv"
    csv_without_price.write_text("product_id,title,sku\np,P,S\n")
    text_file = tmp_path / "feed.txt"
    text_file.write_text("[]")

    with pytest.raises(FeedError, match="invalid YAML at line 3"):
        await import_feed(store, bad_yaml, progress=False)
    with pytest.raises(FeedError, match=r"lacks the required column.*price"):
        await import_feed(store, csv_without_price, progress=False)
    with pytest.raises(FeedError, match="cannot tell the format"):
        await import_feed(store, text_file, progress=False)
    with pytest.raises(FeedError, match="unknown feed format"):
        await import_feed(store, text_file, fmt="xml", progress=False)
    assert (await import_feed(store, text_file, fmt="json", progress=False)).products_read == 0


@pytest.mark.asyncio
async def test_a_reimport_sets_stock_on_hand_and_keeps_what_orders_reserved(
    store: SqliteCatalogStore, tmp_path: Path
) -> None:
    feed = tmp_path / "feed.jsonl"
    await import_feed(store, write_jsonl(feed, [product("p1", "Mug", variant("MUG-1", "8.00", 5))]), progress=False)
    # Orders took 4 of the 5 (what checkout will do: reserve, on the stock row's own version).
    sql = "UPDATE stock SET reserved = 4, version = version + 1 WHERE variant_id = 'MUG-1'"
    await store._run(lambda conn: conn.execute(sql))

    report = await import_feed(
        store, write_jsonl(feed, [product("p1", "Mug", variant("MUG-1", "8.00", 12))]), progress=False
    )

    assert report.ok and report.updated == 1
    assert await store.get_stock(["MUG-1"]) == [StockLevel("MUG-1", 12, 4, 3)]
    assert [v.quantity_available for v in await store.get_variants(["MUG-1"]) if v] == [8]
    # A feed counting fewer units than are reserved leaves none to sell, and gives back no reservation.
    await import_feed(store, write_jsonl(feed, [product("p1", "Mug", variant("MUG-1", "8.00", 3))]), progress=False)
    assert await store.get_stock(["MUG-1"]) == [StockLevel("MUG-1", 3, 4, 4)]
    (mug,) = await store.get_products(["p1"])
    assert mug is not None and not mug.available_for_sale


async def test_retail_demo_shape_is_mapped_and_categories_come_from_names(
    store: SqliteCatalogStore, tmp_path: Path
) -> None:
    feed = tmp_path / "shop.yaml"
    feed.write_text(
        "- {id: r1, name: Red Scarf, category: apparel, style: scarf, description: Warm., price: 19.99,"
        " current_stock: 3, image: r1.jpg, gender_affinity: F, where_visible: UI}\n"
        "- {id: r2, name: Cold Brew, category: cold dispensed, style: coffee, description: Iced., price: 4.5,"
        " current_stock: 0, image: r2jpg, promoted: true, where_visible: UI}\n"
    )

    report = await import_feed(store, feed, progress=False)

    assert (report.feed_format, report.created, report.categories_created) == ("retail-demo-store", 2, 2)
    r1, r2 = await store.get_products(["r1", "r2"])
    assert r1 is not None and r2 is not None
    assert (r1.product_type, r1.tags, r1.category_id) == ("scarf", ("women",), "cat-apparel")
    assert r2.tags == ("promoted",) and r2.images[0].url.endswith("/cold%20dispensed/r2.jpg")
    (cold,) = await store.get_categories([r2.category_id or ""])
    assert cold is not None and (cold.title, cold.handle) == ("Cold Dispensed", "cold-dispensed")
    (r1_variants,) = await store.get_variants_by_product(["r1"])
    assert [(v.sku, v.quantity_available, str(v.price.amount)) for v in r1_variants] == [("r1", 3, "19.99")]


@needs_retail_demo
@pytest.mark.asyncio
async def test_retail_demo_store_catalog_imports_every_product(store: SqliteCatalogStore) -> None:
    products_yaml = RETAIL_DEMO / "products.yaml"
    source = yaml.load(products_yaml.read_text(), Loader=yaml.CSafeLoader)

    report = await import_feed(store, products_yaml, progress=False)

    assert report.feed_format == "retail-demo-store"
    assert (report.products_read, report.created, report.updated, len(report.rejected)) == (2465, 2465, 0, 0)
    assert (report.categories_created, report.categories_updated) == (20, 0)
    assert report.unknown_fields["where_visible"] == 2465 and report.unknown_fields["aliases"] == 16
    assert await store.count_products(ProductQuery()) == 2465
    assert await store.count_categories(None, True) == 20
    assert len(set(await all_handles(store))) == 2465
    sample = source[1234]
    (stored,) = await store.get_products([sample["id"]])
    assert stored is not None and stored.title == sample["name"] and stored.product_type == sample["style"]
    assert stored.min_price is not None and stored.min_price.amount == Decimal(str(sample["price"]))
    assert stored.available == (sample["current_stock"] > 0)
    (stored_variants,) = await store.get_variants_by_product([sample["id"]])
    assert [v.quantity_available for v in stored_variants] == [sample["current_stock"]]
    (category,) = await store.get_categories([stored.category_id or ""])
    assert category is not None and category.handle == sample["category"].replace(" ", "-")
    furniture = await store.count_products(ProductQuery(category_id="cat-furniture"))
    assert furniture == sum(1 for p in source if p["category"] == "furniture")

    again = await import_feed(store, products_yaml, progress=False)

    assert (again.created, again.updated, again.categories_created) == (0, 2465, 0)
    assert await store.count_products(ProductQuery()) == 2465


@needs_retail_demo
@pytest.mark.asyncio
async def test_retail_demo_store_broken_rows_are_reported_by_line(store: SqliteCatalogStore, tmp_path: Path) -> None:
    shutil.copy(RETAIL_DEMO / "categories.yaml", tmp_path / "categories.yaml")
    lines = (RETAIL_DEMO / "products.yaml").read_text().splitlines(keepends=True)
    price_lines = [i for i, line in enumerate(lines) if line.startswith("  price: ")]
    stock_lines = [i for i, line in enumerate(lines) if line.startswith("  current_stock: ")]
    name_lines = [i for i, line in enumerate(lines) if line.startswith("  name: ")]
    lines[price_lines[10]] = "  price: -5.00\n"
    lines[price_lines[500]] = "  price: cheap\n"
    lines[price_lines[900]] = "  price: 12.345\n"
    lines[stock_lines[1500]] = "  current_stock: 1.5\n"
    lines[name_lines[2000]] = "  name: ''\n"
    (tmp_path / "products.yaml").write_text("".join(lines))

    report = await import_feed(store, tmp_path / "products.yaml", progress=False)

    assert (report.products_read, report.imported, report.categories_created) == (2465, 2460, 20)
    assert [(r.line, r.reason) for r in report.rejected] == [
        (price_lines[10] + 1, "price: must not be negative (got -5.00)"),
        (price_lines[500] + 1, "price: 'cheap' is not a decimal number"),
        (price_lines[900] + 1, "price: has more than 2 decimal places (12.345)"),
        (stock_lines[1500] + 1, "current_stock: must be a whole number >= 0 (got 1.5)"),
        (name_lines[2000] + 1, "name: must not be empty"),
    ]
    assert all(r.id for r in report.rejected)
    assert await store.count_products(ProductQuery()) == 2460
