"""``productUpdate``: check a change against the catalog, then write the product back whole.

The write goes through the app's catalog (``upsert_products``), so its listeners (search indexing, cache
invalidation, cached responses) see the change. Every mutation service follows this shape: rules from
``bff.domain`` first, then the port; expected failures come back as ``Problem``s, never as exceptions.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bff.backends.catalog import CatalogStore
from bff.domain import catalog as domain
from bff.domain.error_codes import Problem, ProductErrorCode
from bff.domain.product_change import ProductChange, changed_variant, check_input
from bff.ids import from_global_id


async def update_product(catalog: CatalogStore, change: ProductChange) -> tuple[str | None, list[Problem]]:
    """Apply ``change``; the product's store key when written, or the problems that stopped it."""
    product_key, variant_changes, problems = check_input(change)
    if product_key is None or problems:
        return None, problems
    [product] = await catalog.get_products([product_key])
    if product is None:
        return None, [Problem(("input", "id"), "no product has this id", ProductErrorCode.PRODUCT_NOT_FOUND)]
    [variants] = await catalog.get_variants_by_product([product_key])
    known = {v.id for v in variants}
    for index, variant in enumerate(change.variants):
        key = from_global_id(variant.global_id, "ProductVariant")[1]
        if key not in known:
            field = ("input", "variants", str(index), "id")
            problems.append(Problem(field, "this product has no such variant", ProductErrorCode.VARIANT_NOT_FOUND))
    if problems:
        return None, problems
    updated = tuple(changed_variant(v, variant_changes[v.id]) if v.id in variant_changes else v for v in variants)
    title = product.title if change.title is None else change.title.strip()
    record = domain.ProductRecord(product=replace(product, title=title, updated_at=datetime.now(UTC)), variants=updated)
    await catalog.upsert_products([record])
    return product_key, []
