"""Choosing a variant as Shopify-targeting storefronts do: the encoded option-value combinations that exist
and can be bought (decoded here as Hydrogen's `decodeEncodedVariant` documents the `v1_` format), and the
variants one choice away."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from resolvers.catalog.variant_encoding import encode
from tests.conftest import gql


def hydrogen_decode(encoded: str) -> list[list[int]]:
    """The `v1_` decoding as Hydrogen documents it: `:` goes one option down, `,` ends a prefix (several end
    several), ` ` is a gap between positions and `-` a run of them."""
    if not encoded:
        return []
    assert encoded.startswith("v1_")
    text = encoded[3:]
    found: list[list[int]] = []
    current: list[int] = []
    depth = 0
    range_start: int | None = None
    index = 0
    for token in re.finditer(r"[ :,-]", text):
        operation = token.group()
        number = text[index : token.start()]
        value = int(number) if number else 0
        if range_start is not None:
            for start in range(range_start, value):
                current[depth:] = [start]
                found.append(list(current))
            range_start = None
        current[depth:] = [value]
        if operation == "-":
            range_start = value
        elif operation == ":":
            depth += 1
        else:
            if operation == " " or (operation == "," and text[token.start() - 1] != ","):
                found.append(list(current))
            if operation == ",":
                current.pop()
                depth -= 1
        index = token.end()
    if range_start is not None:
        for start in range(range_start, int(text[text.rindex("-") + 1 :]) + 1):
            current[depth:] = [start]
            found.append(list(current))
    return found


def test_shopifys_documented_example_encodes_to_its_documented_string() -> None:
    tuples = [(0, 0, 0), (0, 1, 0), (0, 1, 1), (1, 0, 0), (1, 0, 1), (1, 1, 1), (2, 0, 1), (2, 1, 0)]
    assert encode(tuples) == "v1_0:0:0,1:0-1,,1:0:0-1,1:1,,2:0:1,1:0,,"


@pytest.mark.parametrize(
    "tuples",
    [
        [],
        [(0,)],
        [(0,), (1,), (2,)],
        [(0,), (2,), (4,), (5,)],
        [(0, 0), (0, 1), (0, 2), (1, 1)],
        [(0, 3), (2, 0), (2, 2), (2, 3), (7, 1)],
        [(a, b, c) for a in range(3) for b in range(4) for c in range(5) if (a + b * c) % 3],
        [(0, 0, 0, 0), (0, 0, 0, 1), (1, 2, 3, 4), (1, 2, 3, 5), (1, 2, 4, 0)],
    ],
)
def test_what_is_encoded_decodes_as_storefronts_decode_it(tuples: list[tuple[int, ...]]) -> None:
    assert hydrogen_decode(encode(tuples)) == [list(t) for t in tuples]


PRODUCTS = """{ products(first: 100) { nodes { handle options { name values }
  encodedVariantExistence encodedVariantAvailability
  variants(first: 250) { nodes { id availableForSale selectedOptions { name value } } } } } }"""


def positions(product: dict[str, Any], variant: dict[str, Any]) -> list[int]:
    chosen = {o["name"]: o["value"] for o in variant["selectedOptions"]}
    return [option["values"].index(chosen[option["name"]]) for option in product["options"]]


async def test_the_encoded_combinations_are_the_variants_and_those_for_sale(client: httpx.AsyncClient) -> None:
    body = await gql(client, PRODUCTS)
    products = [p for p in body["data"]["products"]["nodes"] if p["options"]]
    assert products
    partly_sold_out = 0
    for product in products:
        variants = product["variants"]["nodes"]
        existing = sorted(positions(product, v) for v in variants)
        for_sale = sorted(positions(product, v) for v in variants if v["availableForSale"])
        assert hydrogen_decode(product["encodedVariantExistence"]) == existing
        assert hydrogen_decode(product["encodedVariantAvailability"]) == for_sale
        partly_sold_out += 0 < len(for_sale) < len(existing)
    assert partly_sold_out, "the seeded catalog has no product with a sold-out variant among others"


async def test_adjacent_variants_differ_by_one_option_value(client: httpx.AsyncClient) -> None:
    body = await gql(client, PRODUCTS)
    product = max(body["data"]["products"]["nodes"], key=lambda p: len(p["variants"]["nodes"]))
    variants = product["variants"]["nodes"]
    base = variants[-1]
    selected = [{"name": o["name"].lower(), "value": o["value"]} for o in base["selectedOptions"]]
    query = """query($h: String!, $s: [SelectedOptionInput!]) { product(handle: $h) {
      chosen: adjacentVariants(selectedOptions: $s) { id selectedOptions { name value } }
      first: adjacentVariants { id }
      firstForSale: selectedOrFirstAvailableVariant { id selectedOptions { name value } } } }"""
    found = (await gql(client, query, h=product["handle"], s=selected))["data"]["product"]
    own = {o["name"]: o["value"] for o in base["selectedOptions"]}

    def one_away(variant: dict[str, Any], of: dict[str, str]) -> bool:
        values = {o["name"]: o["value"] for o in variant["selectedOptions"]}
        return sum(values[k] != of[k] for k in of) == 1

    expected = [v["id"] for v in variants if one_away(v, own)]
    assert expected and [v["id"] for v in found["chosen"]] == expected
    first = {o["name"]: o["value"] for o in found["firstForSale"]["selectedOptions"]}
    assert [v["id"] for v in found["first"]] == [v["id"] for v in variants if one_away(v, first)]
