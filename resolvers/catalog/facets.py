"""Facets as Shopify's storefront shows them: ``Filter`` and its ``FilterValue``s with counts.

Search results and category pages both offer them; the counts come from the search port.
"""

from __future__ import annotations

import enum

import strawberry
from strawberry.scalars import JSON

from bff.domain.search import MAX_FACET_VALUES, FacetType
from bff.field_cost import cost


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
    values: list[FilterValue] = strawberry.field(
        description="Its values with counts; values with none are left out.",
        metadata=cost(assumed_size=MAX_FACET_VALUES),
    )
