"""Keeping the search index in step with the catalog: documents from products, incremental updates
(a catalog listener) and the full rebuild behind ``bff reindex``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tqdm import tqdm

from bff.backends.catalog import CatalogStore
from bff.backends.search import ProductSearch
from bff.domain.catalog import (
    Category,
    PageRequest,
    Product,
    ProductQuery,
    ProductRecord,
    ProductSortKey,
    StockChange,
)
from bff.domain.search import ReindexReport, SearchDocument

BATCH = 500
# Writes stamped up to this long before a rebuild started are indexed again after it (instances' clocks differ).
CLOCK_SKEW = timedelta(minutes=1)


def document(product: Product, categories: dict[str, Category]) -> SearchDocument:
    path: list[tuple[str, str]] = []
    own = categories.get(product.category_id) if product.category_id else None
    if own is not None:
        path = [(a, categories[a].title) for a in own.ancestor_ids if a in categories]
        path.append((own.id, own.title))
    return SearchDocument(
        id=product.id,
        handle=product.handle,
        title=product.title,
        description=product.description,
        vendor=product.vendor,
        product_type=product.product_type,
        tags=product.tags,
        category_id=product.category_id,
        category_path=tuple(path),
        price=product.min_price.amount if product.min_price else Decimal(0),
        available=product.available_for_sale,
        created_at=product.created_at,
        sales_rank=product.sales_rank,
    )


async def documents(catalog: CatalogStore, products: Sequence[Product]) -> list[SearchDocument]:
    """Search documents for ``products``, with their category paths (two category reads per batch)."""
    own = {p.category_id for p in products if p.category_id}
    found = {c.id: c for c in await catalog.get_categories(sorted(own)) if c is not None}
    above = {a for c in found.values() for a in c.ancestor_ids} - found.keys()
    found |= {c.id: c for c in await catalog.get_categories(sorted(above)) if c is not None}
    return [document(p, found) for p in products]


async def catalog_pages(catalog: CatalogStore, query: ProductQuery = ProductQuery()) -> AsyncIterator[list[Product]]:
    after: tuple[object, str] | None = None
    while True:
        page = await catalog.list_products(query, ProductSortKey.ID, False, PageRequest(limit=BATCH, after=after))
        if page.items:
            yield page.items
        if not page.has_more:
            return
        after = page.resume_key or page.keys[-1]  # a page the read budget cut short resumes past it


class SearchIndexer:
    """A catalog listener: every product write re-indexes those products from the records written (a stock
    change only the products whose availability crossed zero); a category write, its products."""

    name = "search"

    def __init__(self, catalog: CatalogStore, search: ProductSearch) -> None:
        self._catalog = catalog
        self._search = search

    async def products_changed(self, records: Sequence[ProductRecord]) -> None:
        products = [r.product for r in records]
        for start in range(0, len(products), BATCH):
            await self._search.index_documents(await documents(self._catalog, products[start : start + BATCH]))

    async def stock_changed(self, change: StockChange) -> None:
        if change.flipped:
            await self.products_changed(change.flipped)

    async def categories_changed(self, categories: Sequence[Category]) -> None:
        # Titles are searchable words of every product below: re-index those (none yet during an import).
        for category in categories:
            async for products in catalog_pages(self._catalog, ProductQuery(category_id=category.id)):
                await self._search.index_documents(await documents(self._catalog, products))


def _stamp(product: Product) -> datetime:
    when = product.updated_at
    if when is None:
        return datetime.max.replace(tzinfo=UTC)  # unknown: indexed again rather than missed
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


async def changed_since(catalog: CatalogStore, since: datetime) -> AsyncIterator[list[Product]]:
    """Products written at or after ``since``, newest first (the catalog's "updated" listing)."""
    after: tuple[object, str] | None = None
    while True:
        page = await catalog.list_products(
            ProductQuery(), ProductSortKey.UPDATED_AT, True, PageRequest(limit=BATCH, after=after)
        )
        recent = [p for p in page.items if _stamp(p) >= since]
        if recent:
            yield recent
        if len(recent) < len(page.items) or not page.has_more or not page.keys:
            return
        after = page.keys[-1]


async def reindex(
    catalog: CatalogStore, search: ProductSearch, progress: bool = False, catch_up: bool = True
) -> ReindexReport:
    """Rebuild the index from the whole catalog; searches keep using the old one until the switch.

    Writes made while it runs reach the old index only: once the new one is live, the products written
    since the rebuild started (less ``CLOCK_SKEW``) are indexed again from the catalog's "updated" listing.
    ``catch_up`` false skips that, when nothing can have written meanwhile (the build at start-up).
    """
    started = datetime.now(UTC) - CLOCK_SKEW
    total = await catalog.count_products(ProductQuery())
    bar = tqdm(total=total, unit="products", desc="reindex", disable=not progress)

    async def batches() -> AsyncIterator[list[SearchDocument]]:
        async for products in catalog_pages(catalog):
            yield await documents(catalog, products)
            bar.update(len(products))

    try:
        report = await search.rebuild(batches())
    finally:
        bar.close()
    if report.switched and catch_up:
        async for products in changed_since(catalog, started):
            await search.index_documents(await documents(catalog, products))
            report.caught_up += len(products)
    return report
