"""The single table: attribute names, the table definition, and the key of every catalog item.

This module is the data-model contract (``docs/data-model.md``): ``infra/data.yaml`` must declare the same
keys, indexes and TTL attribute (``tests/test_infra.py`` and ``tests/test_dynamodb_store.py`` check it), and
``bff dynamodb create-table`` creates the table from :func:`table_definition`.

Listing entries order products by ``gsi1sk = <encoded sort value>#<product id>``: the encodings below keep
DynamoDB's byte order equal to the SQLite adapter's ``ORDER BY value, id``, so both answer the same pages.
An index sort key holds at most 1,024 bytes: a text value (a title) is encoded from at most
``MAX_TEXT_SORT_BYTES`` bytes of its UTF-8, cut at a character boundary. Titles that share that prefix
(over 384 ASCII or 128 CJK characters) order among themselves by product id, where SQLite orders them
by the whole title; everything shorter orders exactly as SQLite does. Every encoding decodes back
(:func:`decode_listing_sort_key`): a cursor can name any entry a listing read.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bff.domain.catalog import ProductSortKey

PK = "pk"
SK = "sk"
GSI1 = "GSI1"
GSI1_PK = "gsi1pk"
GSI1_SK = "gsi1sk"
GSI2 = "GSI2"
GSI2_PK = "gsi2pk"
GSI2_SK = "gsi2sk"
TTL_ATTRIBUTE = "expiresAt"

# Item types (the ``sk`` of singletons and the prefixes of partition keys).
PRODUCT = "PRODUCT"
VARIANT = "VARIANT"
# A variant's stock (``VARIANT#<id>`` / ``STOCK``): onHand, reserved, available (= onHand - reserved), version.
STOCK = "STOCK"
# Listener work that failed and waits for a replay (``PENDING`` / ``<listener>#<kind>#<key>``).
PENDING = "PENDING"
CATEGORIES = "CATEGORIES"
# The sort keys of the category items in the ``CATEGORIES`` partition (its version item sorts after them).
CATEGORY_PREFIX = "CATEGORY#"
ALL_PRODUCTS = "ALL"
DISCOUNT = "DISCOUNT"
# The catalog's generation (one item, moved after every write; ``bff.backends.catalog_watch``).
META = "META"
# The sort value of every ``PRODUCT#<id>`` listing entry lives here too (the cursor's first half).
SORT_VALUE = "sortValue"

SORT_NAMES: dict[ProductSortKey, str] = {
    ProductSortKey.ID: "ID",
    ProductSortKey.TITLE: "TITLE",
    ProductSortKey.PRICE: "PRICE",
    ProductSortKey.CREATED_AT: "CREATED",
    ProductSortKey.UPDATED_AT: "UPDATED",
    ProductSortKey.BEST_SELLING: "RANK",
}
# What the table's stream carries for each write: the item before and after.
STREAM_VIEW = "NEW_AND_OLD_IMAGES"
# Prices are compared at this many decimal places in listing keys (the SQLite adapter compares floats).
PRICE_SCALE = 10_000
# DynamoDB's limits on key attributes (bytes of UTF-8): a sort key (tables and indexes) and a partition key.
MAX_SORT_KEY_BYTES = 1024
MAX_PARTITION_KEY_BYTES = 2048
# The bytes of a text sort value kept in a listing key (hex doubles them): 768 of the 1,024, the rest for
# ``#<product id>``.
MAX_TEXT_SORT_BYTES = 384


def table_definition(table_name: str) -> dict[str, Any]:
    """``CreateTable`` arguments; the same keys, indexes and billing as ``infra/data.yaml``."""
    strings = [PK, SK, GSI1_PK, GSI1_SK, GSI2_PK, GSI2_SK]

    def keys(hash_key: str, range_key: str) -> list[dict[str, str]]:
        return [{"AttributeName": hash_key, "KeyType": "HASH"}, {"AttributeName": range_key, "KeyType": "RANGE"}]

    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name in strings],
        "KeySchema": keys(PK, SK),
        "GlobalSecondaryIndexes": [
            {"IndexName": GSI1, "KeySchema": keys(GSI1_PK, GSI1_SK), "Projection": {"ProjectionType": "ALL"}},
            {"IndexName": GSI2, "KeySchema": keys(GSI2_PK, GSI2_SK), "Projection": {"ProjectionType": "ALL"}},
        ],
        # How other instances and the search index catch up with writes in AWS (docs/data-model.md).
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW},
    }


# -- keys --------------------------------------------------------------------------------------------


def product_key(product_id: str) -> dict[str, str]:
    return {PK: f"{PRODUCT}#{product_id}", SK: PRODUCT}


def generation_key() -> dict[str, str]:
    return {PK: META, SK: "GENERATION"}


def variant_key(variant_id: str) -> dict[str, str]:
    return {PK: f"{VARIANT}#{variant_id}", SK: VARIANT}


def stock_key(variant_id: str) -> dict[str, str]:
    return {PK: f"{VARIANT}#{variant_id}", SK: STOCK}


def pending_key(listener: str, kind: str, key: str) -> dict[str, str]:
    # One partition: a replay reads every listener's work with one Query (it is small, and empty when healthy).
    return {PK: PENDING, SK: f"{listener}#{kind}#{key}"}


def category_key(category_id: str) -> dict[str, str]:
    return {PK: CATEGORIES, SK: f"{CATEGORY_PREFIX}{category_id}"}


def discount_key(code: str) -> dict[str, str]:
    """A discount code's item; ``code`` already normalised (upper case)."""
    return {PK: f"{DISCOUNT}#{code}", SK: DISCOUNT}


def product_handle_pk(handle: str) -> str:
    return f"HANDLE#product#{handle}"


def category_handle_pk(handle: str) -> str:
    return f"HANDLE#category#{handle}"


def listing_scope(category_id: str | None) -> str:
    """The partition suffix of a listing: every product, or the products filed directly in one category."""
    return ALL_PRODUCTS if category_id is None else f"CATEGORY#{category_id}"


def listing_pk(sort: ProductSortKey, scope: str) -> str:
    return f"PLIST#{SORT_NAMES[sort]}#{scope}"


def listing_entry_key(product_id: str, sort: ProductSortKey, scope: str) -> dict[str, str]:
    return {PK: f"{PRODUCT}#{product_id}", SK: f"LIST#{SORT_NAMES[sort]}#{scope}"}


# -- order-preserving encodings ----------------------------------------------------------------------


def _encode_int(n: int) -> str:
    # A sign digit then 20 digits: negative numbers (offset) sort before non-negative ones.
    return f"1{n:020d}" if n >= 0 else f"0{n + 10**20:020d}"


def encode_sort_value(value: object) -> str:
    """A string whose byte order is the order of ``value`` (str, int or float) among values of its type."""
    if isinstance(value, bool):
        raise TypeError("bool is not a sort value")
    if isinstance(value, int):
        return _encode_int(value)
    if isinstance(value, float | Decimal):
        return _encode_int(int((Decimal(str(value)) * PRICE_SCALE).to_integral_value()))
    if isinstance(value, str):
        # Hex of the UTF-8 bytes keeps byte order, and every hex digit sorts after the '#' separator, so a
        # value that is a prefix of another still sorts first.
        return truncate_text(value).encode().hex()
    raise TypeError(f"unsupported sort value {value!r}")


def truncate_text(value: str, limit: int = MAX_TEXT_SORT_BYTES) -> str:
    """The longest prefix of ``value`` whose UTF-8 holds at most ``limit`` bytes (whole characters only)."""
    raw = value.encode()
    if len(raw) <= limit:
        return value
    return raw[:limit].decode(errors="ignore")


def listing_sort_key(value: object, product_id: str) -> str:
    return f"{encode_sort_value(value)}#{product_id}"


def _decode_int(encoded: str) -> int:
    n = int(encoded[1:])
    return n if encoded[0] == "1" else n - 10**20


def decode_listing_sort_key(key: str, sort: ProductSortKey) -> tuple[object, str]:
    """``(sort value, product id)`` of a listing entry's ``gsi1sk``, typed as the SQLite adapter types them;
    a text value longer than the key holds comes back as its kept prefix (which encodes to the same key)."""
    encoded, _, product_id = key.partition("#")
    if sort is ProductSortKey.PRICE:
        return _decode_int(encoded) / PRICE_SCALE, product_id
    if sort is ProductSortKey.BEST_SELLING:
        return _decode_int(encoded), product_id
    return bytes.fromhex(encoded).decode(), product_id


def price_bound(amount: Decimal, upper: bool) -> str:
    """A ``gsi1sk`` bound of the price listing: ``>=`` it keeps prices from ``amount`` up; ``<=`` it (upper)
    keeps prices up to ``amount``. Listing keys hold prices at ``PRICE_SCALE``: bounds round inwards."""
    scaled = Decimal(amount) * PRICE_SCALE
    n = int(scaled.to_integral_value(rounding="ROUND_FLOOR" if upper else "ROUND_CEILING"))
    # '$' sorts right after the '#' that ends the price: every key of that price is below it.
    return _encode_int(n) + ("$" if upper else "")


def counter_key(scope: str) -> dict[str, str]:
    """The item counting the products of a listing scope (``ADD`` on writes; ``totalCount`` reads it)."""
    return {PK: f"COUNT#{scope}", SK: "COUNT"}


def tree_version_key() -> dict[str, str]:
    """The category tree's version: every category write moves it; readers cache the tree under it."""
    return {PK: CATEGORIES, SK: "VERSION"}
