"""Search results page: a text query, 48 hits and the facets of the filter sidebar (5 facets).

Runs only when the schema has the ``search`` root field (the search capability): facets are Shopify's
``productFilters`` (vendor, type, category, price, availability...).
"""

from __future__ import annotations

from typing import Any

from bench.scenarios import Scenario

DOCUMENT = """query Search($query: String!, $first: Int!) {
  search(query: $query, first: $first) {
    totalCount
    edges {
      node {
        id
        handle
        title
        availableForSale
        featuredImage { url altText }
        priceRange { minVariantPrice { amount currencyCode } }
      }
    }
    productFilters {
      id
      label
      type
      values { id label count }
    }
  }
}"""


def expect(data: dict[str, Any]) -> str:
    result = data["search"]
    if not result["edges"]:
        return "no hits"
    if len(result["productFilters"]) < 5:
        return f"expected 5 facets, got {len(result['productFilters'])}"
    return ""


scenario = Scenario(
    name="search",
    document=DOCUMENT,
    operation_name="Search",
    variables={"query": "shirt", "first": 48},
    expect=expect,
    requires=("search",),
    max_backend_calls=3,
)
