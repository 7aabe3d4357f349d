"""Search result types, in Shopify's shapes: a product connection with facets (``Filter``) and spelling help."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from bff.domain.search import SearchSort
from resolvers.catalog.facets import Filter
from resolvers.connection import Connection

if TYPE_CHECKING:
    from resolvers.catalog.types import Category, Product

ProductRef = Annotated["Product", strawberry.lazy("resolvers.catalog.types")]
CategoryRef = Annotated["Category", strawberry.lazy("resolvers.catalog.types")]


@strawberry.enum(description="Orders search results; `reverse: true` flips the order.")
class SearchSortKeys(enum.Enum):
    RELEVANCE = strawberry.enum_value(SearchSort.RELEVANCE, description="Best match first.")
    PRICE = strawberry.enum_value(SearchSort.PRICE, description="Lowest price first.")
    NEWEST = strawberry.enum_value(SearchSort.NEWEST, description="Most recently added first.")
    BEST_SELLING = strawberry.enum_value(SearchSort.BEST_SELLING, description="Best sellers first.")


@strawberry.type(description="A page of search results (Relay connection) with facets and spelling help.")
class SearchResultConnection(Connection[ProductRef]):
    product_filters: list[Filter] = strawberry.field(
        description="Facets over the results, each counted with the other filters applied (computed when asked)."
    )
    corrected_query: str | None = strawberry.field(
        description="When words of the query were misspelt: the query the results were found for."
    )
    did_you_mean: str | None = strawberry.field(description="A spelling suggestion to offer, when there is one.")


@strawberry.type(description="A completed query to offer while the shopper types.")
class SearchQuerySuggestion:
    text: str = strawberry.field(description="The suggested query.")


@strawberry.type(description="As-you-type results: products, categories and completed queries.")
class PredictiveSearchResult:
    products: list[ProductRef] = strawberry.field(description="Best matching products.")
    categories: list[CategoryRef] = strawberry.field(description="Categories most of the matches fall in.")
    queries: list[SearchQuerySuggestion] = strawberry.field(description="Completed queries.")
