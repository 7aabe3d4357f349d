"""Every image URL the API returns resolves through the app: the demo catalog's and an imported one's."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx

from bff.backends.registry import open_catalog
from bff.catalog_io import import_feed
from tests.conftest import app_client, gql, make_settings

IMAGES = """{
  products(first: 60) { nodes {
    featuredImage { url width height }
    images(first: 20) { nodes { url width height } }
    variants(first: 5) { nodes { image { url width height } } }
    category { image { url width height } }
  } }
  categories(first: 50) { nodes { image { url width height } } }
}"""


def images_in(value: Any) -> list[dict[str, Any]]:
    """Every object with a ``url`` anywhere in a response."""
    if isinstance(value, dict):
        found = [value] if "url" in value else []
        return found + [i for v in value.values() for i in images_in(v)]
    if isinstance(value, list):
        return [i for v in value for i in images_in(v)]
    return []


async def assert_every_image_resolves(http: httpx.AsyncClient) -> int:
    body = await gql(http, IMAGES)
    assert "errors" not in body, body["errors"]
    images = {json.dumps(i, sort_keys=True): i for i in images_in(body["data"])}.values()
    for image in images:
        served = await http.get(image["url"])
        assert served.status_code == 200, image["url"]
        assert served.headers["content-type"].startswith("image/")
        assert "public" in served.headers["cache-control"]
        svg = ET.fromstring(served.content)
        if image["width"] and image["height"]:
            assert (svg.get("width"), svg.get("height")) == (str(image["width"]), str(image["height"]))
    return len(images)


async def test_every_image_of_the_demo_catalog_resolves(client: httpx.AsyncClient) -> None:
    assert await assert_every_image_resolves(client) > 60


async def test_every_image_of_an_imported_retail_demo_store_catalog_resolves(tmp_path: Path) -> None:
    feed = tmp_path / "products.yaml"
    products = [
        {
            "id": f"p{n}",
            "name": f"Trail shoe {n}",
            "category": "footwear",
            "style": "sneaker",
            "price": 59.5,
            "current_stock": 3,
            "image": f"{n:08d}-be2b-444c-a52b-0116dd82df6c.jpg",
            "description": "A shoe.",
        }
        for n in range(3)
    ]
    feed.write_text(json.dumps(products))
    (tmp_path / "categories.yaml").write_text(json.dumps([{"id": 1, "name": "footwear", "image": "footwear.jpg"}]))
    settings = make_settings(tmp_path / "data")
    async with open_catalog(settings) as store:
        report = await import_feed(store, feed, fmt="retail-demo-store", progress=False)
    assert not report.rejected

    async with app_client(settings) as http:
        assert await assert_every_image_resolves(http) >= 4


async def test_placeholders_are_deterministic_and_revalidate(client: httpx.AsyncClient) -> None:
    url = "/images/demo/home/1200x800/ceramic-table-lamp-detail.svg"

    first = await client.get(url)
    again = await client.get(url, headers={"if-none-match": first.headers["etag"]})
    other = await client.get("/images/demo/home/800x800/ceramic-table-lamp.svg")

    assert first.content == (await client.get(url)).content
    assert b"Ceramic Table Lamp Detail" in first.content
    assert again.status_code == 304
    assert other.headers["etag"] != first.headers["etag"]
