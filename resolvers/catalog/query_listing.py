"""``products(query: "...")``: Shopify's search syntax, answered by the search port.

The query string is parsed (``bff.domain.search_syntax``) into the words to match and a ``ProductQuery``
of filters, then run as one search; its hits are hydrated with one ``product_by_id`` batch per page. Like
``search``, pages are offsets: a cursor is the offset bound to a digest of the query, order and filter, so a
cursor from another query is refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import orjson

from bff.context import Context
from bff.domain.catalog import Page, ProductQuery
from bff.domain.search import SearchRequest, SearchSort
from bff.domain.search_syntax import SearchSyntaxError, parse, translate
from bff.errors import BadUserInput
from resolvers.catalog.connections import ProductConnection
from resolvers.catalog.inputs import ProductFilter, ProductSortKeys, product_query
from resolvers.connection import Connection, known_count
from resolvers.pagination import ConnectionArgs, edges_and_page_info, page_request

# Like OpenSearch's max_result_window: deeper than this, refine the query instead of paging.
MAX_RESULT_WINDOW = 10_000
# Shopify's sort keys that a search can order by; ID (the default) means relevance with a query.
_SORTS = {
    ProductSortKeys.RELEVANCE: SearchSort.RELEVANCE,
    ProductSortKeys.ID: SearchSort.RELEVANCE,
    ProductSortKeys.PRICE: SearchSort.PRICE,
    ProductSortKeys.CREATED_AT: SearchSort.NEWEST,
    ProductSortKeys.BEST_SELLING: SearchSort.BEST_SELLING,
}


def _merged(parsed: ProductQuery, filter: ProductFilter | None) -> ProductQuery:
    """The query string's filters narrowed by the `filter` argument's (a storefront may send both)."""
    if filter is None:
        return parsed
    given = product_query(filter)
    for name in ("product_types", "vendors", "tags"):
        if getattr(parsed, name) and getattr(given, name):
            raise BadUserInput(f"`query` and `filter` both constrain {name}; pass it once", field="filter")
    low = max((p for p in (parsed.min_price, given.min_price) if p is not None), default=None)
    high = min((p for p in (parsed.max_price, given.max_price) if p is not None), default=None)
    return replace(
        parsed,
        category_id=given.category_id,
        product_types=parsed.product_types or given.product_types,
        vendors=parsed.vendors or given.vendors,
        tags=parsed.tags or given.tags,
        available=parsed.available if parsed.available is not None else given.available,
        min_price=low,
        max_price=high,
    )


async def query_connection(
    ctx: Context,
    query: str,
    args: ConnectionArgs,
    filter: ProductFilter | None,
    sort_key: ProductSortKeys,
    reverse: bool,
) -> ProductConnection:
    try:
        translation = translate(parse(query))
    except SearchSyntaxError as error:
        raise BadUserInput(f"query: {error}", field="query") from None
    sort = _SORTS.get(sort_key)
    if sort is None:
        raise BadUserInput(
            f"`sortKey: {sort_key.name}` does not go with `query`; use RELEVANCE, PRICE, CREATED_AT or BEST_SELLING",
            field="sortKey",
        )
    filters = _merged(translation.filters, filter)
    digest = hashlib.sha256(orjson.dumps([translation.text, repr(filters), sort.name, reverse])).hexdigest()[:20]
    listing = f"products-query:{digest}"
    if args.last is not None or args.before is not None:
        raise BadUserInput("`products(query:)` pages forward only: use `first` and `after`", field="last")
    request = page_request(ctx, args, listing)
    offset = 0
    if request.after is not None:
        position = request.after[0]
        if not isinstance(position, int) or position < 0:
            raise BadUserInput("after: invalid cursor", field="after")
        offset = position + 1
    if offset + request.limit > MAX_RESULT_WINDOW:
        raise BadUserInput(f"results past {MAX_RESULT_WINDOW} are not paged; refine the query", field="after")
    search = SearchRequest(
        text=translation.text,
        filters=filters,
        sort=sort,
        reverse=reverse,
        offset=offset,
        limit=request.limit,
        with_total=True,
    )
    result = await ctx.backends.search.search(search)
    found = await ctx.loaders.product_by_id.load_many(result.product_ids)
    # An id the catalog no longer has (the index a moment behind a delete) is skipped, not an error.
    products = [p for p in found if p is not None]
    keys: list[tuple[object, str]] = [(offset + i, p.id) for i, p in enumerate(products)]
    edges, page_info = edges_and_page_info(ctx, Page(products, keys, result.has_more), request, listing)
    return Connection(edges=edges, page_info=page_info, count=known_count(max(result.total, 0)))  # type: ignore[arg-type]
