"""Home page: a grid of 24 best sellers (title, handle, image, price range, availability).

Recommendations and the cart summary join this document when those capabilities exist.
"""

from __future__ import annotations

from typing import Any

from bench.scenarios import Scenario

DOCUMENT = """query Home($first: Int!) {
  products(first: $first, sortKey: BEST_SELLING) {
    edges {
      node {
        id
        handle
        title
        availableForSale
        featuredImage { url altText width height }
        priceRange {
          minVariantPrice { amount currencyCode }
          maxVariantPrice { amount currencyCode }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""


def expect(data: dict[str, Any]) -> str:
    edges = data["products"]["edges"]
    if len(edges) != 24:
        return f"expected 24 products, got {len(edges)}"
    if not all(e["node"]["title"] and e["node"]["priceRange"] for e in edges):
        return "a product card lacks its title or price range"
    return ""


scenario = Scenario(
    name="home",
    document=DOCUMENT,
    operation_name="Home",
    variables={"first": 24},
    expect=expect,
    requires=("products",),
    max_backend_calls=6,
)
