"""Text a storefront shows refuses control and invisible formatting characters: ``productUpdate`` answers
``INVALID_TITLE`` and the feed import rejects the record, both by the one rule in ``bff.domain.text``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.catalog_io import import_feed
from bff.domain.text import text_problem
from tests.test_product_update import UPDATE, Shop, _first_product, shop  # noqa: F401 - fixture

HIDDEN = {
    "nul": "Lamp\x00",
    "zero-width space": "La\u200bmp",
    "right-to-left override": "\u202eLamp",
    "escape": "Lamp\x1b[31m",
    "tab": "Desk\tLamp",
}


@pytest.mark.parametrize("title", HIDDEN.values(), ids=HIDDEN.keys())
async def test_product_update_refuses_a_title_with_hidden_characters(shop: Shop, title: str) -> None:  # noqa: F811
    product, _ = await _first_product(shop)
    before = await shop.post("query P($id: ID!) { product(id: $id) { title } }", id=product)

    request = json.dumps({"query": UPDATE, "variables": {"input": {"id": product, "title": title}}})
    headers = {"authorization": f"Bearer {shop.token('admin')}", "content-type": "application/json"}
    response = await shop.http.post("/graphql", content=request, headers=headers)

    assert response.status_code == 200
    payload = response.json()["data"]["productUpdate"]
    assert payload["product"] is None
    [error] = payload["userErrors"]
    assert (error["field"], error["code"]) == (["input", "title"], "INVALID_TITLE")
    assert "U+" in error["message"]
    assert await shop.post("query P($id: ID!) { product(id: $id) { title } }", id=product) == before
    assert shop.listener.products == []


async def test_product_update_keeps_titles_in_any_script(shop: Shop) -> None:  # noqa: F811
    product, _ = await _first_product(shop)
    title = "Lampe à poser – 東京 – مصباح"
    body = await shop.post(UPDATE, shop.token("admin"), input={"id": product, "title": title})
    assert body["data"]["productUpdate"]["userErrors"] == []
    assert body["data"]["productUpdate"]["product"]["title"] == title


def test_descriptions_may_break_lines_and_titles_may_not() -> None:
    assert text_problem("One\n\tTwo\r\n", multiline=True) is None
    assert text_problem("One\nTwo") is not None
    assert text_problem("One\u200bTwo", multiline=True) is not None
    assert text_problem("Lamp\ud800") is not None  # a lone surrogate: no UTF-8 can store it


async def test_the_feed_import_rejects_hidden_characters_where_they_are_shown(tmp_path: Path) -> None:
    def product(pid: str, **fields: object) -> dict[str, object]:
        return {"id": pid, "title": "Fine", "variants": [{"sku": f"S-{pid}", "price": "5.00"}], **fields}

    records = [
        product("ok", description="Line one\n\tLine two"),
        product("nul", title="Lamp\x00"),
        product("zwsp", vendor="Ac\u200bme"),
        product("bidi", description="\u202egnp.exe"),
        {**product("variant"), "variants": [{"sku": "S-v", "price": "5.00", "title": "Big\u2066"}]},
    ]
    feed = tmp_path / "feed.ndjson"
    feed.write_text("".join(json.dumps(r) + "\n" for r in records))
    store = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    try:
        report = await import_feed(store, feed, progress=False)
        stored = await store.get_products(["ok", "nul", "zwsp", "bidi", "variant"])
    finally:
        await store.close()

    rejected = {r.id: r.reason for r in report.rejected}
    assert sorted(rejected) == ["bidi", "nul", "variant", "zwsp"]
    assert rejected["nul"].startswith("title: must not contain control or invisible formatting characters")
    assert "U+0000" in rejected["nul"] and "U+200B ZERO WIDTH SPACE" in rejected["zwsp"]
    assert rejected["bidi"].startswith("description:") and rejected["variant"].startswith("variants[0].title:")
    assert [p is not None for p in stored] == [True, False, False, False, False]
