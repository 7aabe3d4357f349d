"""``productUpdate``: check a change against the catalog, then write the product back whole, conditionally.

The change is applied to the product as stored now and written on the condition that nobody wrote it
meanwhile (``CatalogStore.update_product`` on the version read); when somebody did, it is applied again to
the fresh state (``bff.services.conflicts``), and after a bounded number of tries refused with ``CONFLICT``.
Concurrent updates of different fields therefore all land; none overwrites another with what it read.

The write goes through the app's catalog, so its listeners (search indexing, cache invalidation, cached
responses) see the change. Every mutation service follows this shape: rules from ``bff.domain`` first, then
the port; expected failures come back as ``Problem``s, never as exceptions.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bff.backends.catalog import CatalogStore
from bff.domain import catalog as domain
from bff.domain.error_codes import Problem, ProductErrorCode
from bff.domain.product_change import ProductChange, VariantChange, changed_variant, check_input
from bff.errors import Conflict
from bff.ids import from_global_id
from bff.services.conflicts import ATTEMPTS, retry_on_conflict


def _missing_variants(change: ProductChange, variants: tuple[domain.Variant, ...]) -> list[Problem]:
    known = {v.id for v in variants}
    problems = []
    for index, variant in enumerate(change.variants):
        if from_global_id(variant.global_id, "ProductVariant")[1] not in known:
            field = ("input", "variants", str(index), "id")
            problems.append(Problem(field, "this product has no such variant", ProductErrorCode.VARIANT_NOT_FOUND))
    return problems


def changed_record(
    record: domain.ProductRecord, change: ProductChange, variant_changes: dict[str, VariantChange]
) -> domain.ProductRecord:
    """``record`` with ``change`` applied: only the fields the change names move."""
    product, variants = record.product, record.variants
    updated = tuple(changed_variant(v, variant_changes[v.id]) if v.id in variant_changes else v for v in variants)
    title = product.title if change.title is None else change.title.strip()
    return domain.ProductRecord(replace(product, title=title, updated_at=datetime.now(UTC)), updated)


async def update_product(catalog: CatalogStore, change: ProductChange) -> tuple[str | None, list[Problem]]:
    """Apply ``change``; the product's store key when written, or the problems that stopped it."""
    product_key, variant_changes, problems = check_input(change)
    if product_key is None or problems:
        return None, problems

    async def attempt() -> list[Problem]:
        record = await catalog.get_product_record(product_key)
        if record is None:
            return [Problem(("input", "id"), "no product has this id", ProductErrorCode.PRODUCT_NOT_FOUND)]
        missing = _missing_variants(change, record.variants)
        if missing:
            return missing
        await catalog.update_product(changed_record(record, change, variant_changes), record.product.version)
        return []

    try:
        problems = await retry_on_conflict(attempt)
    except Conflict:
        message = f"the product kept changing while this update was applied ({ATTEMPTS} tries); nothing was written"
        return None, [Problem(("input", "id"), message, ProductErrorCode.CONFLICT)]
    return (None, problems) if problems else (product_key, [])
