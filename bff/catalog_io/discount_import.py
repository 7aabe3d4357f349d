"""The discount records of a feed, validated by the importer, resolved and written (``import_feed``).

A record's ``category`` is matched against the store's categories by id, then by handle, after the feed's
own categories are written, so a discount may name a category the same feed defines. A record whose
category is unknown is rejected; the others are written in one ``upsert_discounts``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bff.backends.catalog import CatalogReader
from bff.backends.discounts import DiscountStore
from bff.catalog_io.feed_discounts import FeedDiscount, to_rule
from bff.catalog_io.feed_records import RawRecord
from bff.catalog_io.feed_schema import Loc

Reject = Callable[[RawRecord, str, Loc], None]


async def resolve_categories(catalog: CatalogReader, refs: Sequence[str]) -> dict[str, str]:
    """``ref`` -> category id, for the refs that name a stored category by id or handle."""
    unique = list(dict.fromkeys(refs))
    if not unique:
        return {}
    found = {ref: c.id for ref, c in zip(unique, await catalog.get_categories(unique), strict=True) if c}
    missing = [ref for ref in unique if ref not in found]
    if missing:
        by_handle = await catalog.get_categories_by_handle(missing)
        found |= {ref: c.id for ref, c in zip(missing, by_handle, strict=True) if c}
    return found


async def write_discounts(
    catalog: CatalogReader,
    store: DiscountStore | None,
    records: Sequence[tuple[RawRecord, FeedDiscount]],
    reject: Reject,
) -> int:
    """Write the records' rules; how many were written. Rejections go through ``reject``."""
    if not records:
        return 0
    if store is None:
        for record, _ in records:
            reject(record, "discount codes are not imported here: no discount store was given", ())
        return 0
    categories = await resolve_categories(catalog, [d.category for _, d in records if d.category])
    rules = []
    for record, discount in records:
        if discount.category and discount.category not in categories:
            reject(record, f"category: no category with id or handle {discount.category!r}", ("category",))
            continue
        rules.append(to_rule(discount, categories.get(discount.category or "")))
    await store.upsert_discounts(rules)
    return len(rules)
