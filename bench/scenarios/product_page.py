"""Product page: one product with all its variants, images and options, its category, and 12 related
products from the recommender (RELATED).

Backend calls: the product by handle; then its variants, its category and the recommender; then one product
batch for the related products.
"""

from __future__ import annotations

from typing import Any

from bench.scenarios import Probe, Scenario

MONEY = "{ amount currencyCode }"
DOCUMENT = f"""query ProductPage($handle: String!) {{
  product(handle: $handle) {{
    id
    handle
    title
    description
    vendor
    productType
    tags
    availableForSale
    options {{ name values }}
    images(first: 20) {{ nodes {{ url altText width height }} }}
    priceRange {{ minVariantPrice {MONEY} maxVariantPrice {MONEY} }}
    compareAtPriceRange {{ minVariantPrice {MONEY} maxVariantPrice {MONEY} }}
    variants(first: 100) {{
      edges {{
        node {{
          id
          sku
          title
          availableForSale
          quantityAvailable
          price {MONEY}
          compareAtPrice {MONEY}
          selectedOptions {{ name value }}
          image {{ url altText }}
        }}
      }}
    }}
    category {{ id handle title }}
    recommendations(intent: RELATED, first: 12) {{
      source
      items {{
        id
        handle
        title
        featuredImage {{ url altText }}
        priceRange {{ minVariantPrice {MONEY} }}
      }}
    }}
  }}
}}"""

PICK = "{ products(first: 1, sortKey: BEST_SELLING) { nodes { handle } } }"


async def prepare(probe: Probe) -> dict[str, Any]:
    body = await probe(PICK, {})
    return {"handle": body["data"]["products"]["nodes"][0]["handle"]}


def expect(data: dict[str, Any]) -> str:
    product = data["product"]
    if product is None:
        return "the product is missing"
    if not product["variants"]["edges"]:
        return "the product has no variants"
    if len(product["recommendations"]["items"]) != 12:
        return f"expected 12 related products, got {len(product['recommendations']['items'])}"
    return ""


scenario = Scenario(
    name="product_page",
    document=DOCUMENT,
    operation_name="ProductPage",
    prepare=prepare,
    expect=expect,
    requires=("product",),
    max_backend_calls=6,
    notes="related = 12 products from the recommender (RELATED)",
)
