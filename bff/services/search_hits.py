"""A search page's data, one round after the engine: every search of a request's batch, then the hits'
products and the category facet's labels read together (one catalog call each for the whole batch), as a
hand-written endpoint would read them."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bff.backends.catalog import CatalogReader
from bff.backends.search import ProductSearch
from bff.domain.catalog import Category, Product
from bff.domain.search import SearchRequest, SearchResult, category_ids


@dataclass(frozen=True, slots=True)
class SearchHits:
    """One search's result, its hits' products in the engine's order (an id the catalog no longer has, the
    index a moment behind a delete, is skipped) and the titles of the categories its category facet names."""

    result: SearchResult
    products: list[Product]
    category_titles: Mapping[str, str]


async def search_hits(
    requests: Sequence[SearchRequest], search: ProductSearch, catalog: CatalogReader
) -> list[SearchHits | Exception]:
    """Each request's hits, in order; a search that failed is its error (the other searches still answer)."""
    if len(requests) == 1:
        answered: list[SearchResult | BaseException] = [await search.search(requests[0])]
    else:
        answered = list(await asyncio.gather(*(search.search(r) for r in requests), return_exceptions=True))
    results = [r for r in answered if isinstance(r, SearchResult)]
    ids = list(dict.fromkeys(i for r in results for i in r.product_ids))
    labelled = list(dict.fromkeys(i for r in results for i in category_ids(r.facets)))
    products: Sequence[Product | None] = []
    categories: Sequence[Category | None] = []
    if labelled and ids:
        products, categories = await asyncio.gather(catalog.get_products(ids), catalog.get_categories(labelled))
    elif ids:
        products = await catalog.get_products(ids)
    elif labelled:
        categories = await catalog.get_categories(labelled)
    by_id: dict[str, Product] = {p.id: p for p in products if p is not None}
    titles = {c.id: c.title for c in categories if c is not None}
    hits: list[SearchHits | Exception] = []
    for result in answered:
        if isinstance(result, SearchResult):
            found = [by_id[i] for i in result.product_ids if i in by_id]
            hits.append(SearchHits(result, found, titles))
        elif isinstance(result, Exception):
            hits.append(result)
        else:
            raise result  # (cancelled: not a search's answer)
    return hits
