"""A cursor whose signature verifies is still checked for shape: anyone who knows the secret (the development
default is public) can sign any payload, and every such cursor is ``BAD_USER_INPUT``, never an internal error."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import orjson
import pytest

from bff.settings import DEV_CURSOR_SECRET
from tests.conftest import error_codes, gql

PRODUCTS = "query($after: String) { products(first: 2, sortKey: PRICE, after: $after) { pageInfo { endCursor } } }"
CATEGORIES = "query($after: String) { categories(first: 2, after: $after) { pageInfo { endCursor } } }"
VARIANTS = (
    "query($after: String) { products(first: 1) { nodes { variants(first: 1, after: $after) "
    "{ pageInfo { endCursor } } } } }"
)
SEARCH = 'query($after: String) { search(query: "shirt", first: 2, after: $after) { pageInfo { endCursor } } }'


def forge(payload: bytes) -> str:
    """A cursor signed the way the app signs, with the development secret."""
    key = hashlib.blake2b(DEV_CURSOR_SECRET.encode(), digest_size=64, person=b"bff-cursor").digest()
    signature = hashlib.blake2b(payload, key=key, digest_size=12).digest()
    return base64.urlsafe_b64encode(signature + payload).decode().rstrip("=")


def payload_of(cursor: str) -> bytes:
    return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))[12:]


def end_cursor(body: dict[str, Any]) -> str:
    data = body["data"]
    connection = data.get("products") or data.get("categories") or data.get("search")
    if "nodes" in connection:
        connection = connection["nodes"][0]["variants"]
    cursor: str = connection["pageInfo"]["endCursor"]
    return cursor


def shapes(listing: str) -> list[bytes]:
    name = orjson.dumps(listing)
    return [
        b'"x"',
        orjson.dumps(["products:ID:asc"]),
        orjson.dumps([listing]),
        b"[" + name + b", 1, 2]",
        b"[" + name + b', {"a": 1}, "k"]',
        b"[" + name + b', [1, 2], "k"]',
        b"[" + name + b', null, "k"]',
        b"[" + name + b', true, "k"]',
        b"[" + name + b', 18446744073709551615, "k"]',
        b"[" + name + b', "v", "k", "extra"]',
        b"{}",
        b"\xff\xfe not json",
    ]


@pytest.mark.parametrize(
    "document", [PRODUCTS, CATEGORIES, VARIANTS, SEARCH], ids=["products", "categories", "variants", "search"]
)
async def test_signed_cursors_of_the_wrong_shape_are_bad_user_input(client: httpx.AsyncClient, document: str) -> None:
    genuine = end_cursor(await gql(client, document))
    listing = orjson.loads(payload_of(genuine))[0]

    for payload in shapes(listing):
        body = await gql(client, document, after=forge(payload))
        assert error_codes(body) == ["BAD_USER_INPUT"], (payload, body)
        assert body["errors"][0]["message"] == "after: invalid cursor"

    # the forging is right: the genuine payload signed the same way is the genuine cursor
    assert forge(payload_of(genuine)) == genuine
