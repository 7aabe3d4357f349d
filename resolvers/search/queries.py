"""``SearchQuery``: ``search`` and ``predictiveSearch``; and the facets of category pages.

Relevance pages are offsets, so a cursor is the signed offset bound to a digest of the query, filters and
order: a cursor from another search is refused. Hits come back as ids; the request's ``search_hits`` batch
reads their products and the category facet's labels together, one round after the engine.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Annotated

import orjson
import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from bff.context import Info
from bff.domain.catalog import Page, ProductQuery
from bff.domain.search import SearchRequest, SearchResult, SearchSort
from bff.errors import BadUserInput
from bff.field_cost import cost
from resolvers.catalog.filters import combined_query, to_filters
from resolvers.catalog.inputs import ProductFilter
from resolvers.connection import known_count
from resolvers.pagination import ConnectionArgs, edges_and_page_info, page_request
from resolvers.search.types import (
    PredictiveSearchResult,
    SearchQuerySuggestion,
    SearchResultConnection,
    SearchSortKeys,
)

MAX_QUERY_CHARS = 200
MAX_SUGGESTIONS = 20
# Like OpenSearch's max_result_window: deeper than this, refine the query instead of paging.
MAX_RESULT_WINDOW = 10_000


def _text(query: str) -> str:
    if len(query) > MAX_QUERY_CHARS:
        raise BadUserInput(f"`query` is longer than {MAX_QUERY_CHARS} characters", field="query", max=MAX_QUERY_CHARS)
    return query.strip()


def _selects(selections: list[SelectedField | FragmentSpread | InlineFragment], name: str) -> bool:
    for node in selections:
        if isinstance(node, SelectedField) and node.name == name:
            return True
        if isinstance(node, (FragmentSpread, InlineFragment)) and _selects(node.selections, name):
            return True
    return False


def _listing(text: str, filters: ProductQuery, sort: SearchSortKeys, reverse: bool) -> str:
    digest = hashlib.sha256(orjson.dumps([text, repr(filters), sort.name, reverse])).hexdigest()[:20]
    return f"search:{digest}"


def _empty() -> SearchResult:
    return SearchResult(product_ids=[], total=0, has_more=False)


@strawberry.type
class SearchQuery:
    @strawberry.field(
        description=(
            "Full-text product search with facets, typo tolerance and spelling help; null with a "
            "`SERVICE_UNAVAILABLE` error when search is down (the rest of the response is still served)."
        )
    )
    async def search(
        self,
        info: Info,
        query: Annotated[str, strawberry.argument(description="What the shopper typed (at most 200 characters).")],
        first: Annotated[int | None, strawberry.argument(description="Page size.")] = None,
        after: Annotated[str | None, strawberry.argument(description="Cursor to continue after.")] = None,
        sort_key: Annotated[SearchSortKeys, strawberry.argument(description="Order of the results.")] = (
            SearchSortKeys.RELEVANCE
        ),
        reverse: Annotated[bool, strawberry.argument(description="Reverse the order.")] = False,
        product_filters: Annotated[
            list[ProductFilter] | None,
            strawberry.argument(description="Filters; values of one field add up, different fields narrow."),
        ] = None,
    ) -> SearchResultConnection | None:
        ctx = info.context
        text = _text(query)
        filters = combined_query(product_filters)
        listing = _listing(text, filters, sort_key, reverse)
        page = page_request(ctx, ConnectionArgs(first=first, after=after), listing)
        offset = 0
        if page.after is not None:
            position = page.after[0]
            if not isinstance(position, int) or position < 0:
                raise BadUserInput("after: invalid cursor", field="after")
            offset = position + 1
        if offset + page.limit > MAX_RESULT_WINDOW:
            raise BadUserInput(f"results past {MAX_RESULT_WINDOW} are not paged; refine the query", field="after")
        # Every node of this field counts: merged fields (same response key) may each select part of it.
        selections = [s for field in info.selected_fields for s in field.selections]
        request = SearchRequest(
            text=text,
            filters=filters,
            sort=SearchSort[sort_key.name],
            reverse=reverse,
            offset=offset,
            limit=page.limit,
            with_total=_selects(selections, "totalCount"),
            with_facets=_selects(selections, "productFilters"),
        )
        # An empty page still needs the engine when the count or the facets are asked for (`first: 0`).
        wanted = page.limit or request.with_total or request.with_facets
        # The engine, then the hits' products and the facets' category labels together: one round after it.
        hits = await ctx.loaders.search_hits.load(request) if text and wanted else None
        result = hits.result if hits is not None else _empty()
        products = hits.products if hits is not None else []
        ctx.loaders.product_by_id.prime_many({p.id: p for p in products})  # (a hit's field loading it by id finds it)
        keys: list[tuple[object, str]] = [(offset + i, p.id) for i, p in enumerate(products)]
        # Re-ranked for a signed-in shopper when that is on: the same products; the cursors keep the
        # engine's order, so the next page starts after this one.
        products = await ctx.rerank(products)
        edges, page_info = edges_and_page_info(ctx, Page(products, keys, result.has_more), page, listing)
        return SearchResultConnection(
            edges=edges,  # type: ignore[arg-type]
            page_info=page_info,
            count=known_count(max(result.total, 0)),
            product_filters=await to_filters(ctx, result.facets, hits.category_titles if hits is not None else None),
            corrected_query=result.corrected_query,
            did_you_mean=result.did_you_mean,
        )

    @strawberry.field(
        description=(
            "As-you-type suggestions: products, categories and completed queries; null with a "
            "`SERVICE_UNAVAILABLE` error when search is down."
        ),
        metadata=cost(size_arguments=("limit",), sized_fields=("products", "categories", "queries")),
    )
    async def predictive_search(
        self,
        info: Info,
        query: Annotated[str, strawberry.argument(description="What the shopper has typed so far.")],
        limit: Annotated[int, strawberry.argument(description="At most this many of each kind (1-20).")] = 5,
    ) -> PredictiveSearchResult | None:
        ctx = info.context
        text = _text(query)
        if not 1 <= limit <= MAX_SUGGESTIONS:
            raise BadUserInput(f"`limit` must be between 1 and {MAX_SUGGESTIONS}", field="limit")
        if not text:
            return PredictiveSearchResult(products=[], categories=[], queries=[])
        found = await ctx.backends.search.suggest(text, limit)
        # The categories and the products are read together: one round after the engine.
        categories, products = await asyncio.gather(
            ctx.loaders.category_by_id.load_many(found.category_ids),
            ctx.loaders.product_by_id.load_many(found.product_ids),
        )
        return PredictiveSearchResult(
            # An id the catalog no longer has (index a moment behind a delete) is skipped, not an error.
            products=[p for p in products if p is not None],  # type: ignore[misc]
            categories=[c for c in categories if c is not None],  # type: ignore[misc]
            queries=[SearchQuerySuggestion(text=q) for q in found.queries],
        )
