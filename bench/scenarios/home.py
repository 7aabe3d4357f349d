"""Home page: a grid of 24 best sellers (title, handle, image, price range, availability), 8 "for you"
recommendations (an anonymous first visit: the embedded model's time-decayed popularity), and the cart
summary a storefront shows in its header (item count, total) when the shopper has a cart.

Backend calls: the listing, the recommender and the cart in the first round; one product batch for the
recommendations and the cart's variants (for today's prices) in the second.
"""

from __future__ import annotations

from typing import Any

from bench.scenarios import Probe, Scenario

# What every anonymous visitor without a cart gets: the document the public response cache serves.
CATALOG_DOCUMENT = """query Home($first: Int!) {
  forYou: recommendations(intent: FOR_YOU, first: 8) {
    source
    items {
      id
      handle
      title
      featuredImage { url altText width height }
      priceRange { minVariantPrice { amount currencyCode } }
    }
  }
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

DOCUMENT = (
    CATALOG_DOCUMENT.replace(
        "query Home($first: Int!) {", 'query Home($first: Int!, $withCart: Boolean! = false, $cartId: ID! = "") {'
    ).removesuffix("}")
    + """  cart(id: $cartId) @include(if: $withCart) {
    totalQuantity
    cost { totalAmount { amount currencyCode } }
  }
}"""
)

CART_CREATE = """mutation($lines: [CartLineInput!]!) {
  cartCreate(input: {lines: $lines}) { cart { id } userErrors { code } }
}"""
PICK = """{ products(first: 20, sortKey: BEST_SELLING) {
  nodes { variants(first: 1) { nodes { id quantityAvailable } } }
} }"""


async def stocked_variants(probe: Probe) -> list[str]:
    """The best sellers' first variants in stock (fewer than 999 units), best first."""
    body = await probe(PICK, {})
    variants = [v for p in body["data"]["products"]["nodes"] for v in p["variants"]["nodes"]]
    return [v["id"] for v in variants if 0 < v["quantityAvailable"] < 999]


async def cart_with_lines(probe: Probe, count: int) -> tuple[str, list[str]]:
    """A new cart holding ``count`` in-stock variants, and the other in-stock variants found."""
    stocked = await stocked_variants(probe)
    lines = [{"merchandiseId": v, "quantity": 1} for v in stocked[:count]]
    created = (await probe(CART_CREATE, {"lines": lines}))["data"]["cartCreate"]
    return created["cart"]["id"], stocked[count:]


async def prepare(probe: Probe) -> dict[str, Any]:
    cart_id, _ = await cart_with_lines(probe, 3)
    return {"withCart": True, "cartId": cart_id}


def expect(data: dict[str, Any]) -> str:
    edges = data["products"]["edges"]
    if len(edges) != 24:
        return f"expected 24 products, got {len(edges)}"
    if not all(e["node"]["title"] and e["node"]["priceRange"] for e in edges):
        return "a product card lacks its title or price range"
    if len(data["forYou"]["items"]) != 8:
        return f"expected 8 recommendations, got {len(data['forYou']['items'])}"
    if "cart" in data and (data["cart"] is None or data["cart"]["totalQuantity"] != 3):
        return f"expected the 3-line cart's summary, got {data['cart']}"
    return ""


scenario = Scenario(
    name="home",
    document=DOCUMENT,
    operation_name="Home",
    variables={"first": 24},
    prepare=prepare,
    expect=expect,
    requires=("products",),
    max_backend_calls=6,
)
