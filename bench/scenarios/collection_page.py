"""Collection page as a storefront written for Shopify's Storefront API sends it (Hydrogen's shape, with
``@inContext``): the collection, 24 of its products sorted by price under an availability filter, and the
filter panel (facets with counts). A category collection: the content store says no curated collection has the
handle, the category is read by handle, its products listed in the sort's index order, the facets counted from
the search index, the listed products' variants loaded in one batch.

No floor: a hand-written collection page would repeat the listing and facet code the page is made of.
"""

from __future__ import annotations

from typing import Any

from bench.scenarios import Probe, Scenario

DOCUMENT = """query CollectionDetails(
  $country: CountryCode
  $language: LanguageCode
  $handle: String!
  $first: Int
  $endCursor: String
  $filters: [ProductFilter!]
  $sortKey: ProductCollectionSortKeys!
  $reverse: Boolean
) @inContext(country: $country, language: $language) {
  collection(handle: $handle) {
    id
    handle
    title
    description
    seo { title description }
    products(first: $first, after: $endCursor, filters: $filters, sortKey: $sortKey, reverse: $reverse) {
      filters { id label type values { id label count input } }
      nodes {
        id
        handle
        title
        featuredImage { url altText width height }
        priceRange { minVariantPrice { amount currencyCode } }
        variants(first: 1) { nodes { id availableForSale selectedOptions { name value } } }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""

PICK = "{ collections(first: 50, sortKey: TITLE) { nodes { handle products(first: 24) { nodes { id } } } } }"


async def prepare(probe: Probe) -> dict[str, Any]:
    body = await probe(PICK, {})
    # The collection with the most products among the first 50 (a full page where the catalog allows).
    nodes = body["data"]["collections"]["nodes"]
    handle = max(nodes, key=lambda n: len(n["products"]["nodes"]))["handle"]
    return {"handle": handle}


def expect(data: dict[str, Any]) -> str:
    collection = data["collection"]
    if collection is None:
        return "the collection is missing"
    products = collection["products"]
    if not products["nodes"]:
        return "the collection lists no products"
    prices = [float(n["priceRange"]["minVariantPrice"]["amount"]) for n in products["nodes"]]
    if prices != sorted(prices):
        return "the products are not sorted by price"
    if not products["filters"]:
        return "the filter panel is empty"
    return ""


scenario = Scenario(
    name="collection_page",
    document=DOCUMENT,
    operation_name="CollectionDetails",
    variables={
        "country": "US",
        "language": "EN",
        "first": 24,
        "sortKey": "PRICE",
        "filters": [{"available": True}],
    },
    prepare=prepare,
    expect=expect,
    requires=("collection",),
    max_backend_calls=5,
)
