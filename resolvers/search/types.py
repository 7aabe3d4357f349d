"""Search result types, in Shopify's shapes: a product connection with facets (``Filter``) and spelling help."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from bff.domain.search import FacetType, SearchSort
from resolvers.catalog.connections import ProductEdge
from resolvers.common import PageInfo

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


@strawberry.enum(description="How a storefront shows a filter.")
class FilterType(enum.Enum):
    LIST = strawberry.enum_value(FacetType.LIST, description="A list of values to tick (brands, types).")
    PRICE_RANGE = strawberry.enum_value(FacetType.PRICE_RANGE, description="Price bands (or a slider).")
    BOOLEAN = strawberry.enum_value(FacetType.BOOLEAN, description="A yes/no choice (in stock).")


@strawberry.type(description="One choice of a filter, with how many results it leaves.")
class FilterValue:
    id: str = strawberry.field(description="Stable id of this value within its filter.")
    label: str = strawberry.field(description="Text to show.")
    count: int = strawberry.field(description="Results with this value, given the other filters in force.")
    input: JSON = strawberry.field(
        description="The `ProductFilter` that selects this value, as JSON: add it to `productFilters`."
    )


@strawberry.type(description="A facet of the results (brand, product type, category, price, availability).")
class Filter:
    id: str = strawberry.field(description="Stable id of the filter, e.g. `filter.p.vendor`.")
    label: str = strawberry.field(description="Text to show.")
    type: FilterType = strawberry.field(description="How to show it.")
    values: list[FilterValue] = strawberry.field(description="Its values with counts; values with none are left out.")


@strawberry.type(description="A page of search results (Relay connection) with facets and spelling help.")
class SearchResultConnection:
    edges: list[ProductEdge] = strawberry.field(description="The products of this page with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page sits in the results.")
    total_count: int = strawberry.field(description="How many products match the query and filters.")
    product_filters: list[Filter] = strawberry.field(
        description="Facets over the results, each counted with the other filters applied (computed when asked)."
    )
    corrected_query: str | None = strawberry.field(
        description="When words of the query were misspelt: the query the results were found for."
    )
    did_you_mean: str | None = strawberry.field(description="A spelling suggestion to offer, when there is one.")

    @strawberry.field(description="The products of this page, without cursors.")
    def nodes(self) -> list[ProductRef]:
        return [edge.node for edge in self.edges]


@strawberry.type(description="A completed query to offer while the shopper types.")
class SearchQuerySuggestion:
    text: str = strawberry.field(description="The suggested query.")


@strawberry.type(description="As-you-type results: products, categories and completed queries.")
class PredictiveSearchResult:
    products: list[ProductRef] = strawberry.field(description="Best matching products.")
    categories: list[CategoryRef] = strawberry.field(description="Categories most of the matches fall in.")
    queries: list[SearchQuerySuggestion] = strawberry.field(description="Completed queries.")
