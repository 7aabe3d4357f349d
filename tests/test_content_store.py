"""The content store on both adapters (SQLite, and DynamoDB on moto's server): items by handle in the order
asked, listings by handle a page at a time, counts; the content feed's checks; HTML made safe."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bff.backends.content import ContentStore
from bff.backends.dynamodb_catalog import DynamoCatalogStore, create_table
from bff.backends.dynamodb_content import DynamoContentStore
from bff.backends.local.content_sqlite import SqliteContentStore
from bff.domain.content import ContentKind, ContentPage, CuratedCollection, Menu, MenuItemType
from bff.domain.safe_html import sanitize_html
from bff.services.content_feed import import_content
from bff.services.content_seed import DEMO_PAGES, seed_demo_pages

TABLE = "content-store"


@pytest.fixture(params=["sqlite", "dynamodb"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ContentStore]:
    opened: ContentStore
    if request.param == "sqlite":
        opened = await SqliteContentStore.open(tmp_path / "content.sqlite3")
    else:
        aws = request.getfixturevalue("aws")
        catalog = await DynamoCatalogStore.open(TABLE, "us-east-1", aws)
        await create_table(catalog.requests)
        await catalog.close()
        opened = await DynamoContentStore.open(TABLE, "us-east-1", aws)
    yield opened
    await opened.close()


def write_feed(path: Path, records: list[object]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


async def test_items_come_back_by_handle_in_the_order_asked(store: ContentStore) -> None:
    pages = [ContentPage(f"page-{i:03d}", f"Page {i}", f"<p>{i}</p>") for i in range(130)]
    await store.upsert_items([*pages, Menu("page-001", "A menu with a page's handle")])

    found = await store.get_items(ContentKind.PAGE, ["page-129", "nope", "page-001", "page-129"])

    assert [p.title if p else None for p in found] == ["Page 129", None, "Page 1", "Page 129"]
    (menu,) = await store.get_items(ContentKind.MENU, ["page-001"])
    assert isinstance(menu, Menu) and menu.title == "A menu with a page's handle"
    assert await store.count_items(ContentKind.PAGE) == 130
    assert await store.count_items(ContentKind.MENU) == 1
    assert await store.count_items(ContentKind.COLLECTION) == 0


async def test_listings_page_by_handle(store: ContentStore) -> None:
    await store.upsert_items([ContentPage(f"p{i:02d}", f"P{i}") for i in reversed(range(25))])

    first = await store.list_items(ContentKind.PAGE, None, 10)
    rest = await store.list_items(ContentKind.PAGE, first[-1].handle, 100)

    assert [p.handle for p in first + rest] == [f"p{i:02d}" for i in range(25)]
    assert await store.list_items(ContentKind.PAGE, "p24", 10) == []


async def test_an_upsert_replaces_the_item_of_its_handle(store: ContentStore) -> None:
    await store.upsert_items([CuratedCollection("summer", "Summer", members=("a", "b"))])
    await store.upsert_items([CuratedCollection("summer", "Summer sale", members=("c",))])

    (found,) = await store.get_items(ContentKind.COLLECTION, ["summer"])

    assert isinstance(found, CuratedCollection)
    assert (found.title, found.members) == ("Summer sale", ("c",))


async def test_the_demo_pages_are_seeded_once(store: ContentStore) -> None:
    assert await seed_demo_pages(store) == len(DEMO_PAGES)
    assert await seed_demo_pages(store) == 0
    handles = [p.handle for p in await store.list_items(ContentKind.PAGE, None, 10)]
    assert handles == sorted(["about", "shipping", "returns", "privacy"])


async def test_a_feed_lands_its_good_records_and_reports_the_rest(store: ContentStore, tmp_path: Path) -> None:
    feed = write_feed(
        tmp_path / "content.jsonl",
        [
            {
                "type": "page",
                "handle": "faq",
                "title": "FAQ",
                "bodyHtml": "<p onclick='x()'>Hi<script>bad()</script></p>",
            },
            {
                "type": "menu",
                "handle": "main-menu",
                "title": "Main",
                "items": [
                    {
                        "title": "Sale",
                        "type": "COLLECTION",
                        "resource": "collection:sale",
                        "items": [{"title": "Shoes", "type": "HTTP", "url": "/collections/shoes"}],
                    },
                ],
            },
            {"type": "collection", "handle": "sale", "title": "Sale", "products": ["demo-00001", "a-handle"]},
            {"type": "page", "handle": "Bad Handle", "title": "x"},
            {"type": "menu", "handle": "evil", "title": "x", "items": [{"title": "x", "url": "javascript:alert(1)"}]},
            {"type": "collection", "handle": "huge", "title": "x", "products": [f"p{i}" for i in range(251)]},
            {"type": "blog", "handle": "news", "title": "x"},
        ],
    )

    report = await import_content(store, feed)

    assert report.imported == {ContentKind.PAGE: 1, ContentKind.MENU: 1, ContentKind.COLLECTION: 1}
    assert [number for number, _ in report.rejected] == [4, 5, 6, 7]
    (page,) = await store.get_items(ContentKind.PAGE, ["faq"])
    assert isinstance(page, ContentPage) and page.body_html == "<p>Hi</p>"
    (menu,) = await store.get_items(ContentKind.MENU, ["main-menu"])
    assert isinstance(menu, Menu)
    assert menu.items[0].type is MenuItemType.COLLECTION and menu.items[0].items[0].url == "/collections/shoes"
    assert await store.get_items(ContentKind.PAGE, ["Bad Handle"]) == [None]


def test_html_keeps_its_structure_and_loses_what_could_run() -> None:
    dirty = (
        '<h2 style="x">Title</h2><p>a <a href="javascript:alert(1)" onmouseover="x()">link</a> '
        '<a href="/pages/about">about</a></p><iframe src="https://evil.example"></iframe><img src="x" onerror="y()">'
        "<p>unclosed <b>bold"
    )

    clean = sanitize_html(dirty)

    assert clean == (
        '<h2>Title</h2><p>a <a rel="noopener noreferrer">link</a> '
        '<a href="/pages/about" rel="noopener noreferrer">about</a></p><img src="x">'
        "<p>unclosed <b>bold</b></p>"
    )


def test_the_cli_seeds_the_demo_pages_and_imports_a_content_feed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("BFF_")} | {"BFF_DATA_DIR": str(tmp_path)}
    bff = str(Path(sys.executable).parent / "bff")
    seeded = subprocess.run(
        [bff, "seed", "--products", "12", "--stores", "0"], env=env, capture_output=True, text=True, timeout=300
    )
    assert seeded.returncode == 0, seeded.stderr
    assert f"seeded {len(DEMO_PAGES)} demo pages" in seeded.stdout
    feed = write_feed(
        tmp_path / "content.jsonl",
        [
            {"type": "collection", "handle": "gifts", "title": "Gifts", "products": ["demo-00001"]},
            {"type": "page", "handle": "../etc", "title": "x"},
        ],
    )
    imported = subprocess.run(
        [bff, "import", "--content", str(feed)], env=env, capture_output=True, text=True, timeout=300
    )
    assert imported.returncode == 1  # one record rejected
    assert "imported 0 pages, 0 menus, 1 collections; 1 rejected" in imported.stdout
    assert "record 2: `handle` must be" in imported.stdout


async def test_a_first_start_seeds_the_demo_pages(tmp_path: Path) -> None:
    from bff.first_start import seed_if_empty
    from tests.conftest import make_settings

    settings = make_settings(tmp_path)
    await seed_if_empty(settings, products=5)

    store = await SqliteContentStore.open(settings.content_db_path)
    try:
        assert await store.count_items(ContentKind.PAGE) == len(DEMO_PAGES)
    finally:
        await store.close()
