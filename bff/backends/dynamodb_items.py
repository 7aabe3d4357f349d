"""Conversion between catalog dataclasses and DynamoDB items (typed attribute values).

Money amounts are strings (a number attribute would turn ``9.50`` into ``9.5``); ``priceSort`` is the one
numeric copy, for filters. A product's summary (price range, availability) is derived here on every write,
exactly as the SQLite adapter derives it. A variant's stock is its own item (``stock_item``): a variant read
is the pair, its ``quantity_available`` the stock's available units.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from bff.backends import dynamodb_schema as s
from bff.domain.catalog import (
    Category,
    Image,
    Money,
    Product,
    ProductOption,
    ProductRecord,
    ProductSortKey,
    SelectedOption,
    StockLevel,
    Variant,
)

Item = dict[str, Any]  # plain Python values
Wire = dict[str, Any]  # DynamoDB attribute values ({"S": ...})

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_wire(item: Item) -> Wire:
    return {k: _serializer.serialize(v) for k, v in item.items() if v is not None}


def from_wire(wire: Wire) -> Item:
    return {k: _deserializer.deserialize(v) for k, v in wire.items()}


def _image(data: Item | None) -> Image | None:
    if not data:
        return None
    width, height = data.get("width"), data.get("height")
    return Image(
        data["url"], data.get("alt"), None if width is None else int(width), None if height is None else int(height)
    )


def _image_item(image: Image | None) -> Item | None:
    if image is None:
        return None
    return {"url": image.url, "alt": image.alt_text, "width": image.width, "height": image.height}


def _money(amount: str | None, currency: str) -> Money | None:
    return None if amount is None else Money(Decimal(amount), currency)


def _when(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


# -- products ----------------------------------------------------------------------------------------


def product_item(
    record: ProductRecord, created_at: datetime, updated_at: datetime, version: int, available: bool
) -> Item:
    """The product's item with its price summary derived from the variants; ``available``: whether any
    variant has units to sell (from the stock items)."""
    product, variants = record.product, record.variants
    prices = [v.price.amount for v in variants]
    compare = [v.compare_at_price.amount for v in variants if v.compare_at_price is not None]
    ordered = sorted(variants, key=lambda v: (v.position, v.id))
    return {
        **s.product_key(product.id),
        s.GSI1_PK: s.product_handle_pk(product.handle),
        s.GSI1_SK: s.PRODUCT,
        "id": product.id,
        "handle": product.handle,
        "title": product.title,
        "description": product.description,
        "vendor": product.vendor,
        "productType": product.product_type,
        "tags": list(product.tags),
        "categoryId": product.category_id,
        "images": [_image_item(i) for i in product.images],
        "options": [{"name": o.name, "values": list(o.values)} for o in product.options],
        "currency": variants[0].price.currency_code if variants else "USD",
        "minPrice": str(min(prices)) if prices else None,
        "maxPrice": str(max(prices)) if prices else None,
        "minCompareAt": str(min(compare)) if compare else None,
        "maxCompareAt": str(max(compare)) if compare else None,
        "priceSort": min(prices) if prices else Decimal(0),
        "available": available,
        "salesRank": product.sales_rank,
        "createdAt": created_at.isoformat(),
        "updatedAt": updated_at.isoformat(),
        "variantIds": [v.id for v in ordered],
        "version": version,
    }


def product_from_item(item: Item) -> Product:
    currency = item["currency"]
    return Product(
        id=item["id"],
        handle=item["handle"],
        title=item["title"],
        description=item.get("description", ""),
        vendor=item.get("vendor", ""),
        product_type=item.get("productType", ""),
        tags=tuple(item.get("tags", ())),
        category_id=item.get("categoryId"),
        images=tuple(i for i in map(_image, item.get("images", ())) if i is not None),
        options=tuple(ProductOption(o["name"], tuple(o["values"])) for o in item.get("options", ())),
        min_price=_money(item.get("minPrice"), currency),
        max_price=_money(item.get("maxPrice"), currency),
        min_compare_at_price=_money(item.get("minCompareAt"), currency),
        max_compare_at_price=_money(item.get("maxCompareAt"), currency),
        available=bool(item.get("available", False)),
        sales_rank=int(item.get("salesRank", 0)),
        created_at=_when(item.get("createdAt")),
        updated_at=_when(item.get("updatedAt")),
        version=int(item.get("version", 0)),
    )


def sort_value(item: Item, sort: ProductSortKey) -> object:
    """A product item's position value under ``sort``, typed as the SQLite adapter types it."""
    if sort is ProductSortKey.ID:
        return item["id"]
    if sort is ProductSortKey.TITLE:
        return str(item["title"]).casefold()
    if sort is ProductSortKey.PRICE:
        return float(item["priceSort"])
    if sort is ProductSortKey.CREATED_AT:
        return item["createdAt"]
    if sort is ProductSortKey.UPDATED_AT:
        return item["updatedAt"]
    return int(item["salesRank"])


def typed_sort_value(value: Any, sort: ProductSortKey) -> object:
    """A ``sortValue`` read back from an entry (numbers come back as ``Decimal``)."""
    if sort is ProductSortKey.PRICE:
        return float(value)
    if sort is ProductSortKey.BEST_SELLING:
        return int(value)
    return str(value)


def listing_entries(product: Item) -> list[Item]:
    """One entry per sort key in the all-products listing and in the product's own category's listing."""
    scopes = [s.listing_scope(None)]
    if product.get("categoryId") is not None:
        scopes.append(s.listing_scope(product["categoryId"]))
    entries = []
    for scope in scopes:
        for sort in ProductSortKey:
            value = sort_value(product, sort)
            entries.append(
                {
                    **s.listing_entry_key(product["id"], sort, scope),
                    s.GSI1_PK: s.listing_pk(sort, scope),
                    s.GSI1_SK: s.listing_sort_key(value, product["id"]),
                    "productId": product["id"],
                    s.SORT_VALUE: Decimal(str(value)) if isinstance(value, float) else value,
                    "vendor": product["vendor"],
                    "productType": product["productType"],
                    "tags": product["tags"],
                    "priceSort": product["priceSort"],
                    "available": product["available"],
                }
            )
    return entries


# -- variants and categories -------------------------------------------------------------------------


def variant_item(variant: Variant) -> Item:
    return {
        **s.variant_key(variant.id),
        "id": variant.id,
        "productId": variant.product_id,
        "sku": variant.sku,
        "title": variant.title,
        "position": variant.position,
        "price": str(variant.price.amount),
        "compareAtPrice": None if variant.compare_at_price is None else str(variant.compare_at_price.amount),
        "currency": variant.price.currency_code,
        "selectedOptions": [[o.name, o.value] for o in variant.selected_options],
        "image": _image_item(variant.image),
    }


def variant_from_item(item: Item, stock: Item | None = None) -> Variant:
    """The variant, its quantity the available units of its ``stock`` item (0 without one)."""
    currency = item["currency"]
    return Variant(
        id=item["id"],
        product_id=item["productId"],
        sku=item["sku"],
        title=item["title"],
        price=Money(Decimal(item["price"]), currency),
        compare_at_price=_money(item.get("compareAtPrice"), currency),
        quantity_available=max(0, int(stock["available"])) if stock else 0,
        selected_options=tuple(SelectedOption(n, v) for n, v in item.get("selectedOptions", ())),
        image=_image(item.get("image")),
        position=int(item.get("position", 0)),
    )


def stock_item(level: StockLevel, product_id: str) -> Item:
    """``available`` is kept as onHand - reserved (possibly negative) so that checkout can take units on
    the condition ``available >= :qty`` (a condition expression has no arithmetic)."""
    return {
        **s.stock_key(level.variant_id),
        "variantId": level.variant_id,
        "productId": product_id,
        "onHand": level.on_hand,
        "reserved": level.reserved,
        "available": level.on_hand - level.reserved,
        "version": level.version,
    }


def stock_from_item(item: Item) -> StockLevel:
    return StockLevel(item["variantId"], int(item["onHand"]), int(item["reserved"]), int(item["version"]))


def category_item(category: Category, ancestor_ids: tuple[str, ...], path: str) -> Item:
    return {
        **s.category_key(category.id),
        s.GSI1_PK: s.category_handle_pk(category.handle),
        s.GSI1_SK: "CATEGORY",
        "id": category.id,
        "handle": category.handle,
        "title": category.title,
        "description": category.description,
        "parentId": category.parent_id,
        "ancestorIds": list(ancestor_ids),
        "path": path,
        "image": _image_item(category.image),
        "position": category.position,
    }


def category_from_item(item: Item) -> Category:
    return Category(
        id=item["id"],
        handle=item["handle"],
        title=item["title"],
        description=item.get("description", ""),
        parent_id=item.get("parentId"),
        ancestor_ids=tuple(item.get("ancestorIds", ())),
        image=_image(item.get("image")),
        position=int(item.get("position", 0)),
    )
