"""GraphiQL served entirely by the app (page, scripts, styles), preloaded with the storefront's main flows.

The IDE's files come from the ``graphene-django-graphiql-static`` wheel (React 17, GraphiQL 2 UMD builds and
CSS with inlined fonts), installed from PyPI like any dependency, so the page works with no network at all.
"""

from __future__ import annotations

import html
import importlib.util
from collections.abc import Callable
from pathlib import Path

import orjson
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

ASSETS_PATH = "/graphiql-assets"
VENDOR_PACKAGE = "graphene_django_graphiql_static"
OWN_STATIC = Path(__file__).parent / "static"

EXAMPLES: list[tuple[str, str, str]] = [
    (
        "Home: product cards",
        """query HomeProducts($first: Int = 12) {
  products(first: $first, sortKey: BEST_SELLING) {
    edges {
      cursor
      node {
        id
        handle
        title
        vendor
        featuredImage { url altText width height }
        priceRange { minVariantPrice { amount currencyCode } }
        compareAtPriceRange { minVariantPrice { amount currencyCode } }
        availableForSale
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}""",
        "{}",
    ),
    (
        "Product page",
        """query ProductPage($handle: String!) {
  product(handle: $handle) {
    id
    title
    description
    vendor
    productType
    tags
    descriptionHtml
    seo { title description }
    images(first: 20) { nodes { id url altText width height } }
    options { id name optionValues { id name } values }
    priceRange { minVariantPrice { amount currencyCode } maxVariantPrice { amount currencyCode } }
    category { title breadcrumbs { title handle } }
    variants(first: 20) {
      edges {
        node {
          id
          sku
          title
          selectedOptions { name value }
          price { amount currencyCode }
          compareAtPrice { amount currencyCode }
          availableForSale
          quantityAvailable
        }
      }
    }
  }
}""",
        '{"handle": "$product"}',
    ),
    (
        "Recommendations: for you, related, bought together",
        """# `source` says which recipe served each list (PERSONALIZE, EMBEDDED_MODEL, POPULAR, ...); when the
# recommender is slow or down a fallback serves and `extensions.warnings` names the `recommender`.
# Sign in (`bff token --user alice@example.com`) for a persona's own picks, or pass a `sessionId`.
query Recommendations($handle: String!, $session: String) {
  forYou: recommendations(intent: FOR_YOU, first: 8, sessionId: $session) {
    source
    items { id title handle featuredImage { url altText } priceRange { minVariantPrice { amount currencyCode } } }
  }
  product(handle: $handle) {
    title
    related: recommendations(intent: RELATED, first: 12) { source items { title handle } }
    together: recommendations(intent: FREQUENTLY_BOUGHT_TOGETHER, first: 4) { source items { title handle } }
  }
}""",
        '{"handle": "$product", "session": "graphiql-demo"}',
    ),
    (
        "Home with deferred recommendations (@defer)",
        """# The grid comes in the first part; `forYou` follows in a second part of the same response when the
# recommender answers (docs/incremental-delivery.md). The result pane shows each part as it arrives.
query HomeDeferred($first: Int = 12) {
  products(first: $first, sortKey: BEST_SELLING) {
    nodes { id title handle priceRange { minVariantPrice { amount currencyCode } } }
  }
  ...ForYou @defer(label: "forYou")
}

fragment ForYou on Query {
  forYou: recommendations(intent: FOR_YOU, first: 8) { source items { id title handle } }
}""",
        "{}",
    ),
    (
        "Products by query string (Shopify's search syntax)",
        """# Words, title:, tag:, product_type:, vendor:, available_for_sale: and variants.price:<50, with AND, OR
# and parentheses (docs/shopify-compatibility.md); a syntax error is BAD_USER_INPUT.
query ProductsByQuery($query: String!, $handle: String!) {
  products(query: $query, first: 12, sortKey: RELEVANCE) {
    nodes {
      title
      handle
      vendor
      tags
      featuredImage { url(transform: { maxWidth: 320, maxHeight: 320, crop: CENTER }) altText }
      priceRange { minVariantPrice { amount currencyCode } }
    }
    pageInfo { hasNextPage endCursor }
  }
  productRecommendations(productHandle: $handle, intent: COMPLEMENTARY) { title handle }
}""",
        '{"query": "boots available_for_sale:true variants.price:<150", "handle": "$product"}',
    ),
    (
        "Category page: filters and pages",
        """query CategoryPage($handle: String!, $after: String) {
  category(handle: $handle) {
    title
    breadcrumbs { title handle }
    children { title handle }
    products(first: 24, after: $after, sortKey: PRICE, filter: { available: true }) {
      totalCount
      nodes { title handle priceRange { minVariantPrice { amount currencyCode } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}""",
        '{"handle": "$category"}',
    ),
    (
        "Search: results, facets, spelling help",
        """query Search($query: String!, $filters: [ProductFilter!], $after: String) {
  search(query: $query, first: 12, after: $after, productFilters: $filters) {
    totalCount
    correctedQuery
    didYouMean
    nodes { id title handle featuredImage { url altText } priceRange { minVariantPrice { amount currencyCode } } }
    pageInfo { hasNextPage endCursor }
    productFilters {
      id
      label
      type
      # Send a value's `input` back in `filters` to narrow the results to its `count`.
      values { id label count input }
    }
  }
}""",
        '{"query": "jacket", "filters": []}',
    ),
    (
        "Search box: as-you-type suggestions",
        """query PredictiveSearch($query: String!) {
  predictiveSearch(query: $query, limit: 5) {
    queries { text }
    products { id title handle featuredImage { url altText } priceRange { minVariantPrice { amount currencyCode } } }
    categories { title handle }
  }
}""",
        '{"query": "linen s"}',
    ),
    (
        "Store locator: nearest stores, open now, driving time",
        """query StoreLocator($address: String!, $after: String) {
  stores(near: { address: $address }, radiusKm: 100, first: 10, after: $after, service: PICKUP) {
    originLabel
    reason
    distanceMethod
    edges {
      node {
        id
        name
        address { formatted }
        distanceKm
        travelTime { durationSeconds distanceKm }
        openNow
        nextOpening
        timeZone
        openingHours { day periods { opens closes } }
        specialHours { date periods { opens closes } }
        services
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}""",
        '{"address": "Lyon, France"}',
    ),
    (
        "Assistant: one message (send sessionState.sessionId back to go on)",
        """mutation Assistant($text: String!, $sessionId: String) {
  assistantMessage(input: { text: $text, sessionId: $sessionId }) {
    messages
    intent { name confidence }
    slots { name value }
    sessionState { sessionId dialogAction slotToElicit intentState }
    cards {
      __typename
      ... on AssistantProductCard { product { title handle priceRange { minVariantPrice { amount currencyCode } } } }
      ... on AssistantStoreCard { storeId name address distanceKm openNow }
      ... on AssistantOrderStatusCard { orderNumber status }
    }
    userErrors { field message code }
  }
}""",
        '{"text": "show me black jackets under 200"}',
    ),
    (
        "Category tree",
        """query Categories {
  categories(first: 50, topLevel: true) {
    nodes { id title handle children { title handle children { title handle } } }
  }
}""",
        "{}",
    ),
]

CART_FIELDS = """    id
    totalQuantity
    cost {
      subtotalAmount { amount currencyCode }
      totalAmount { amount currencyCode }
    }
    discountCodes { code applicable }
    lines(first: 50) {
      nodes {
        id
        quantity
        merchandise { id title product { title } }
        cost { amountPerQuantity { amount currencyCode } totalAmount { amount currencyCode } }
      }
    }"""
CART_PAYLOAD = f"""cart {{
{CART_FIELDS}
  }}
  userErrors {{ field message code }}
  warnings {{ code message target }}"""
PASTE = "paste the cart id cartCreate answered"
# The cart flow: create a cart (keep its id), then change it; prices always come from the catalog.
CART_EXAMPLES: list[tuple[str, str, str]] = [
    (
        "Cart: create with a line (keep the id it answers)",
        f"""mutation CartCreate($variant: ID!) {{
  cartCreate(input: {{ lines: [{{ merchandiseId: $variant, quantity: 2 }}], note: "Gift wrap, please" }}) {{
  {CART_PAYLOAD}
  }}
}}""",
        '{"variant": "$variant"}',
    ),
    (
        "Cart: add a line (stock clamps it with a warning)",
        f"""mutation CartLinesAdd($cartId: ID!, $variant: ID!) {{
  cartLinesAdd(cartId: $cartId, lines: [{{ merchandiseId: $variant, quantity: 1 }}]) {{
  {CART_PAYLOAD}
  }}
}}""",
        f'{{"cartId": "{PASTE}", "variant": "$variant"}}',
    ),
    (
        "Cart: change a line's quantity (0 removes it)",
        f"""mutation CartLinesUpdate($cartId: ID!, $lineId: ID!) {{
  cartLinesUpdate(cartId: $cartId, lines: [{{ id: $lineId, quantity: 3 }}]) {{
  {CART_PAYLOAD}
  }}
}}""",
        f'{{"cartId": "{PASTE}", "lineId": "paste a line id"}}',
    ),
    (
        "Cart: discount codes (a code that does not apply stays, not applicable)",
        f"""mutation CartDiscountCodesUpdate($cartId: ID!) {{
  cartDiscountCodesUpdate(cartId: $cartId, discountCodes: ["WELCOME10"]) {{
  {CART_PAYLOAD}
  }}
}}""",
        f'{{"cartId": "{PASTE}"}}',
    ),
    (
        "Cart: sign in (attach the cart to a customer, merging with their cart)",
        f"""mutation CartBuyerIdentityUpdate($cartId: ID!, $token: String) {{
  cartBuyerIdentityUpdate(cartId: $cartId, buyerIdentity: {{ customerAccessToken: $token, countryCode: "US" }}) {{
  {CART_PAYLOAD}
  }}
}}""",
        f'{{"cartId": "{PASTE}", "token": null}}',
    ),
]
EXAMPLES += CART_EXAMPLES


_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Storefront BFF · GraphiQL</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="{assets}/graphiql.min.css">
  <link rel="stylesheet" href="{assets}/style.css">
  <link rel="stylesheet" href="{assets}/graphiql-page.css">
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script id="graphiql-config" type="application/json">{config}</script>
  <script src="{assets}/react.production.min.js"></script>
  <script src="{assets}/react-dom.production.min.js"></script>
  <script src="{assets}/graphiql.min.js"></script>
  <script src="{assets}/graphiql-init.js"></script>
</body>
</html>
"""


def vendor_dir() -> Path:
    spec = importlib.util.find_spec(VENDOR_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{VENDOR_PACKAGE} is not installed: GraphiQL has no assets to serve")
    return Path(next(iter(spec.submodule_search_locations))) / "static" / VENDOR_PACKAGE


def render_page(
    endpoint: str = "/graphql", product: str = "", category: str = "", variant: str = ""
) -> Callable[[], Response]:
    """The IDE page, as a maker of one fresh response per request (rendered once).

    ``product``/``category`` are handles and ``variant`` a variant's global id that make the examples'
    variables real. A response object is never
    served twice: middleware (gzip) rewrites the headers of the one it sends, so a shared one would go out
    the second time with the first one's ``Content-Length`` and ``Content-Encoding``.
    """
    tabs = [
        {
            "query": f"# {title}\n{query}",
            "variables": variables.replace("$product", product)
            .replace("$category", category)
            .replace("$variant", variant),
        }
        for title, query, variables in EXAMPLES
    ]
    # The config sits in a JSON script tag: escape "<" so no value can close the tag.
    config = orjson.dumps({"endpoint": endpoint, "tabs": tabs}).decode().replace("<", "\\u003c")
    body = _PAGE.format(assets=html.escape(ASSETS_PATH), config=config).encode()
    # The same URL serves JSON to GraphQL clients: caches must keep the two apart.
    return lambda: HTMLResponse(body, headers={"Vary": "Accept"})


def assets_mount() -> Mount:
    """``/graphiql-assets``: the vendor files, then the app's own boot script."""
    static = StaticFiles(directory=vendor_dir())
    static.all_directories = [*static.all_directories, OWN_STATIC]
    return Mount(ASSETS_PATH, app=static, name="graphiql-assets")
