"""``SearchQuery``: ``search`` and ``predictiveSearch``; and the facets of category pages.

Relevance pages are offsets, so a cursor is the signed offset bound to a digest of the query, filters and
order: a cursor from another search is refused. Hits come back as ids and are hydrated with one
``product_by_id`` batch per page.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

import orjson
import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from bff.context import Context, Info
from bff.cursors import Position
from bff.domain import catalog as domain
from bff.domain.catalog import ProductQuery
from bff.domain.search import SearchRequest, SearchResult, SearchSort
from bff.errors import BadUserInput
from resolvers.catalog.connections import ProductEdge
from resolvers.catalog.inputs import ProductFilter
from resolvers.common import PageInfo
from resolvers.search.filters import combined_query, to_filters
from resolvers.search.types import (
    Filter,
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


def _page_size(ctx: Context, first: int | None) -> int:
    cap = ctx.settings.max_page_size
    size = min(ctx.settings.default_page_size, cap) if first is None else first
    if size < 0:
        raise BadUserInput("`first` must not be negative", field="first")
    if size > cap:
        raise BadUserInput(f"`first` is {size}; at most {cap} items per page", field="first", max=cap)
    return size


async def _hydrate(ctx: Context, ids: list[str]) -> list[domain.Product]:
    products = await ctx.loaders.product_by_id.load_many(ids)
    # An id the catalog no longer has (index a moment behind a delete) is skipped, not an error.
    return [p for p in products if p is not None]


def _empty() -> SearchResult:
    return SearchResult(product_ids=[], total=0, has_more=False)


@strawberry.type
class SearchQuery:
    @strawberry.field(description="Full-text product search with facets, typo tolerance and spelling help.")
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
    ) -> SearchResultConnection:
        ctx = info.context
        text = _text(query)
        filters = combined_query(product_filters)
        size = _page_size(ctx, first)
        listing = _listing(text, filters, sort_key, reverse)
        offset = 0
        if after is not None:
            position, _ = ctx.cursors.decode(after, listing, field="after")
            if not isinstance(position, int) or position < 0:
                raise BadUserInput("after: invalid cursor", field="after")
            offset = position + 1
        if offset + size > MAX_RESULT_WINDOW:
            raise BadUserInput(f"results past {MAX_RESULT_WINDOW} are not paged; refine the query", field="after")
        selections = info.selected_fields[0].selections
        request = SearchRequest(
            text=text,
            filters=filters,
            sort=SearchSort[sort_key.name],
            reverse=reverse,
            offset=offset,
            limit=size,
            with_total=_selects(selections, "totalCount"),
            with_facets=_selects(selections, "productFilters"),
        )
        result = await ctx.backends.search.search(request) if text and size else _empty()
        products = await _hydrate(ctx, result.product_ids)
        edges = [
            ProductEdge(node=p, position=Position(ctx.cursors, listing, (offset + i, p.id)))  # type: ignore[arg-type]
            for i, p in enumerate(products)
        ]
        return SearchResultConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=result.has_more,
                has_previous_page=offset > 0,
                start_cursor=edges[0].position.cursor() if edges else None,
                end_cursor=edges[-1].position.cursor() if edges else None,
            ),
            total_count=max(result.total, 0),
            product_filters=await to_filters(ctx, result.facets),
            corrected_query=result.corrected_query,
            did_you_mean=result.did_you_mean,
        )

    @strawberry.field(description="As-you-type suggestions: products, categories and completed queries.")
    async def predictive_search(
        self,
        info: Info,
        query: Annotated[str, strawberry.argument(description="What the shopper has typed so far.")],
        limit: Annotated[int, strawberry.argument(description="At most this many of each kind (1-20).")] = 5,
    ) -> PredictiveSearchResult:
        ctx = info.context
        text = _text(query)
        if not 1 <= limit <= MAX_SUGGESTIONS:
            raise BadUserInput(f"`limit` must be between 1 and {MAX_SUGGESTIONS}", field="limit")
        if not text:
            return PredictiveSearchResult(products=[], categories=[], queries=[])
        found = await ctx.backends.search.suggest(text, limit)
        categories = await ctx.loaders.category_by_id.load_many(found.category_ids)
        return PredictiveSearchResult(
            products=await _hydrate(ctx, found.product_ids),  # type: ignore[arg-type]
            categories=[c for c in categories if c is not None],  # type: ignore[misc]
            queries=[SearchQuerySuggestion(text=q) for q in found.queries],
        )


async def category_filters(ctx: Context, category_id: str, filter: ProductFilter | None) -> list[Filter]:
    """The facets of a category page: the search engine's counts over the category's products."""
    filters = combined_query([filter] if filter else None, category_id=category_id)
    if filter is not None and filter.category_id is not None:
        raise BadUserInput("filter.categoryId: a category page is already one category", field="filter.categoryId")
    request = SearchRequest(text=None, filters=filters, limit=0, with_total=False, with_facets=True)
    result = await ctx.backends.search.search(request)
    return await to_filters(ctx, result.facets)
