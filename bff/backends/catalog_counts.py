"""``SearchCountedReads``: filtered product counts from the search backend, for a store that cannot count
them without reading every entry (DynamoDB).

An unfiltered count (every product, or a category's subtree) stays with the store, which keeps counters.
A count with any other filter (vendors, product types, tags, availability, price) is the total of a search
that browses with the same filters (``SearchRequest(text=None, filters=query, limit=0)``): one request
to the index, whatever the catalog's size. The index follows the catalog after each write (the search
indexer listener), so such a count can lag a write by as long as indexing takes. When search fails, the
store answers (within its read budget: ``bff.backends.dynamodb_listing.count_entries``).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bff.backends.catalog import CatalogReader
from bff.backends.catalog_delegate import CatalogReadDelegate
from bff.backends.search import ProductSearch
from bff.domain.catalog import ProductQuery
from bff.domain.search import SearchRequest
from bff.errors import ServiceUnavailable

log = logging.getLogger("bff.catalog")


def is_filtered(query: ProductQuery) -> bool:
    """Whether ``query`` filters on more than the category."""
    return replace(query, category_id=None) != ProductQuery()


class SearchCountedReads(CatalogReadDelegate):
    def __init__(self, store: CatalogReader, search: ProductSearch) -> None:
        super().__init__(store)
        self._search = search

    async def count_products(self, query: ProductQuery) -> int:
        if not is_filtered(query):
            return await self._store.count_products(query)
        try:
            found = await self._search.search(SearchRequest(text=None, filters=query, limit=0, with_total=True))
        except ServiceUnavailable as exc:
            log.warning("search unavailable, counting filtered products in the catalog: %s", exc)
            return await self._store.count_products(query)
        return found.total
