"""The floor: hand-written Starlette endpoints that make the same backend calls through the same ports as
the BFF and return byte-identical JSON (the harness checks), with no GraphQL at all.

It is what the fastest possible server for these pages would cost here: the BFF's throughput over the
floor's is the share left after paying for GraphQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bff.backends.registry import Backends, build_backends
from bff.cursors import CursorCodec
from bff.domain.cart_change import CartLimits, LineAdd
from bff.domain.cart_pricing import price_cart
from bff.domain.catalog import Image, Money, PageRequest, Product, ProductQuery, ProductSortKey, Variant
from bff.domain.checkout import CheckoutInput
from bff.domain.orders import Address
from bff.domain.recommendations import Intent, RecommendationRequest, Source, keep
from bff.domain.search import FACET_CATEGORY, SearchRequest, category_ids
from bff.domain.stores import GeoPoint, NearbyQuery, is_open, next_opening
from bff.ids import from_global_id, to_global_id
from bff.images import image_url
from bff.services.cart_edit import CartEditor
from bff.services.cart_pricing import priced
from bff.services.checkout import Checkout
from bff.services.recommend import recommend_products
from bff.settings import Settings
from resolvers.catalog.inputs import listing_name
from resolvers.stores.queries import search_listing


def money(m: Money | None) -> dict[str, Any] | None:
    return None if m is None else {"amount": str(m.amount), "currencyCode": m.currency_code}


def image(i: Image | None, origin: str, full: bool = True) -> dict[str, Any] | None:
    if i is None:
        return None
    url = image_url(i.url, origin)  # absolute on the image host, as the API answers it
    if not full:
        return {"url": url, "altText": i.alt_text}
    return {"url": url, "altText": i.alt_text, "width": i.width, "height": i.height}


def price_range(low: Money | None, high: Money | None) -> dict[str, Any] | None:
    if low is None or high is None:
        return None
    return {"minVariantPrice": money(low), "maxVariantPrice": money(high)}


class Floor:
    def __init__(self, backends: Backends, cursors: CursorCodec, settings: Settings) -> None:
        self.image_origin = settings.image_origin
        self.settings = settings
        self.catalog = backends.catalog
        self.carts = backends.carts
        self.search_port = backends.search
        self.stores = backends.stores
        self.cursors = cursors
        self.backends = backends

    async def recommended(self, request: RecommendationRequest, full_image: bool) -> dict[str, Any]:
        """One list as the BFF fills it: the fallback chain, one product batch, the same filters."""
        b = self.backends
        (recommended,) = await recommend_products([request], b.recommender, b.embedded_recommender, b.catalog_reads)
        answer, found = recommended.answer, recommended.products
        sold_out = frozenset(i for i, p in found.items() if not p.available_for_sale)
        shown = keep((i for i in answer.item_ids if i in found), request, sold_out)
        items = [
            {
                "id": to_global_id("Product", p.id),
                "handle": p.handle,
                "title": p.title,
                "featuredImage": image(p.images[0] if p.images else None, self.image_origin, full=full_image),
                "priceRange": None if p.min_price is None else {"minVariantPrice": money(p.min_price)},
            }
            for p in (found[i] for i in shown)
        ]
        return {"source": (answer.source if shown else Source.NONE).value, "items": items}

    async def home(self, variables: dict[str, Any]) -> dict[str, Any]:
        sort = ProductSortKey.BEST_SELLING
        request = PageRequest(limit=variables["first"])
        for_you = RecommendationRequest(Intent.FOR_YOU, 8)
        listing = self.catalog.list_products(ProductQuery(), sort, False, request)
        recommended = self.recommended(for_you, full_image=True)
        if variables.get("withCart"):
            # The cart is read beside the listing; its variants once its lines are known (as the BFF does).
            page, for_you_list, cart = await asyncio.gather(
                listing, recommended, self.cart_summary(variables["cartId"])
            )
        else:
            (page, for_you_list), cart = await asyncio.gather(listing, recommended), None
        edges = [{"node": self.card(p)} for p in page.items]
        end = self.cursors.encode(listing_name(sort, False), page.keys[-1]) if page.keys else None
        data: dict[str, Any] = {
            "forYou": for_you_list,
            "products": {"edges": edges, "pageInfo": {"hasNextPage": page.has_more, "endCursor": end}},
        }
        if variables.get("withCart"):
            data["cart"] = cart
        return data

    async def cart_summary(self, cart_gid: str) -> dict[str, Any] | None:
        cart = (await self.carts.get_carts([from_global_id(cart_gid, "Cart")[1]]))[0]
        if cart is None:
            return None
        keys = list(dict.fromkeys(line.variant_id for line in cart.lines))
        variants = dict(zip(keys, await self.catalog.get_variants(keys), strict=True)) if keys else {}
        priced = price_cart(cart, variants)
        return {"totalQuantity": priced.total_quantity, "cost": {"totalAmount": money(priced.total)}}

    def card(self, p: Product) -> dict[str, Any]:
        return {
            "id": to_global_id("Product", p.id),
            "handle": p.handle,
            "title": p.title,
            "availableForSale": p.available_for_sale,
            "featuredImage": image(p.images[0] if p.images else None, self.image_origin),
            "priceRange": price_range(p.min_price, p.max_price),
        }

    async def product_page(self, variables: dict[str, Any]) -> dict[str, Any]:
        (product,) = await self.catalog.get_products_by_handle([variables["handle"]])
        if product is None:
            return {"product": None}
        related = RecommendationRequest(
            Intent.RELATED,
            12,
            product_id=product.id,
            category_id=product.category_id,
            exclude=frozenset({product.id}),
        )
        variants_of, category, recommended = await asyncio.gather(
            self.catalog.get_variants_by_product([product.id]),
            self._category(product),
            self.recommended(related, full_image=False),
        )
        return {
            "product": {
                "id": to_global_id("Product", product.id),
                "handle": product.handle,
                "title": product.title,
                "description": product.description,
                "vendor": product.vendor,
                "productType": product.product_type,
                "tags": list(product.tags),
                "availableForSale": product.available_for_sale,
                "options": [{"name": o.name, "values": list(o.values)} for o in product.options],
                "images": {"nodes": [image(i, self.image_origin) for i in product.images[:20]]},
                "priceRange": price_range(product.min_price, product.max_price),
                "compareAtPriceRange": price_range(product.min_compare_at_price, product.max_compare_at_price),
                "variants": {"edges": [{"node": self.variant(v)} for v in variants_of[0][:100]]},
                "category": category,
                "recommendations": recommended,
            }
        }

    async def _category(self, product: Product) -> dict[str, Any] | None:
        if product.category_id is None:
            return None
        (category,) = await self.catalog.get_categories([product.category_id])
        if category is None:
            return None
        return {
            "id": to_global_id("Category", category.id),
            "handle": category.handle,
            "title": category.title,
        }

    async def search(self, variables: dict[str, Any]) -> dict[str, Any]:
        request = SearchRequest(text=variables["query"].strip(), limit=variables["first"], with_facets=True)
        result = await self.search_port.search(request)
        products, categories = await asyncio.gather(
            self.catalog.get_products(result.product_ids), self.catalog.get_categories(category_ids(result.facets))
        )
        titles = {c.id: c.title for c in categories if c is not None}
        edges = [
            {
                "node": {
                    "id": to_global_id("Product", p.id),
                    "handle": p.handle,
                    "title": p.title,
                    "availableForSale": p.available_for_sale,
                    "featuredImage": image(p.images[0] if p.images else None, self.image_origin, full=False),
                    "priceRange": None if p.min_price is None else {"minVariantPrice": money(p.min_price)},
                }
            }
            for p in products
            if p is not None
        ]
        filters = [
            {
                "id": f.id,
                "label": f.label,
                "type": f.type.name,
                "values": [
                    {
                        "id": v.id,
                        "label": titles.get(str(v.value), v.label) if f.id == FACET_CATEGORY else v.label,
                        "count": v.count,
                    }
                    for v in f.values
                ],
            }
            for f in result.facets
        ]
        return {"search": {"totalCount": max(result.total, 0), "edges": edges, "productFilters": filters}}

    async def store_locator(self, variables: dict[str, Any]) -> dict[str, Any]:
        origin, radius, first = GeoPoint(variables["latitude"], variables["longitude"]), 500.0, variables["first"]
        found = await self.stores.nearest(NearbyQuery(origin, radius, first + 1))
        page = found[:first]
        now = datetime.now(UTC)
        days = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
        edges = []
        for n in page:
            store, opening = n.store, next_opening(n.store, now)
            hours = [
                {"day": day, "periods": [{"opens": p.text()[:5], "closes": p.text()[6:]} for p in periods]}
                for day, periods in zip(days, store.hours, strict=True)
            ]
            node = {
                "id": to_global_id("Store", store.id),
                "name": store.name,
                "distanceKm": round(n.distance_km, 3),
                "openNow": is_open(store, now),
                "nextOpening": opening.isoformat() if opening else None,
                "phone": store.phone,
                "address": {"formatted": store.address.label()},
                "position": {"latitude": store.position.latitude, "longitude": store.position.longitude},
                "openingHours": hours,
            }
            edges.append({"node": node})
        listing = search_listing(origin, None, radius, False, None)
        end = self.cursors.encode(listing, (len(page) - 1, page[-1].store.id)) if page else None
        page_info = {"hasNextPage": len(found) > first, "endCursor": end}
        return {"stores": {"edges": edges, "pageInfo": page_info, "distanceMethod": "STRAIGHT_LINE"}}

    async def checkout(self, variables: dict[str, Any]) -> dict[str, Any]:
        """The use case over the same backends (no GraphQL): the BFF's response for the scenario's document."""
        data = variables["input"]

        def address(a: dict[str, str]) -> Address:
            return Address(a["firstName"], a["lastName"], a["address1"], a["city"], a["zip"], a["countryCode"])

        checkout = Checkout(
            self.backends.carts,
            self.backends.orders,
            self.backends.catalog,
            self.backends.discounts,
            self.backends.catalog_reads.get_variants,
            None,
        )
        entered = CheckoutInput(
            data["cartId"],
            data["idempotencyKey"],
            data["email"],
            address(data["shippingAddress"]),
            address(data["billingAddress"]),
            data["deliveryMethod"],
            data["paymentToken"],
        )
        result = await checkout.complete(None, entered, None)
        errors = [{"field": list(p.field), "code": p.code.name, "message": p.message} for p in result.problems]
        order = None if result.order is None else {"status": result.order.status.value}
        return {"checkoutComplete": {"order": order, "userErrors": errors}}

    async def add_to_cart(self, variables: dict[str, Any]) -> dict[str, Any]:
        """The cart use case over the same backends (no GraphQL): the variants read once, as the loader does."""
        read: dict[str, Variant | None] = {}

        async def variants(keys: Sequence[str]) -> list[Variant | None]:
            missing = [k for k in keys if k not in read]
            if missing:
                read.update(zip(missing, await self.backends.catalog_reads.get_variants(missing), strict=True))
            return [read[k] for k in keys]

        s = self.settings
        limits = CartLimits(s.cart_max_line_quantity, s.cart_max_lines, s.cart_max_note_length)
        ttl = timedelta(days=s.cart_guest_ttl_days)
        editor = CartEditor(self.carts, None, limits, variants, ttl, self.backends.cart_locks)
        adds = [LineAdd(line["merchandiseId"], line.get("quantity", 1)) for line in variables["lines"]]
        result = await editor.add_lines(variables["cartId"], adds)
        errors = [{"field": list(p.field), "message": p.message, "code": p.code.name} for p in result.problems]
        if result.cart is None:
            return {"cartLinesAdd": {"cart": None, "userErrors": errors, "warnings": []}}
        p = await priced(result.cart, variants)
        cost = {"subtotalAmount": money(p.subtotal), "totalAmount": money(p.total)}
        warnings = [{"code": n.code.name, "target": n.target} for n in (*result.notices, *p.notices)]
        cart = {"totalQuantity": p.total_quantity, "cost": cost}
        return {"cartLinesAdd": {"cart": cart, "userErrors": errors, "warnings": warnings}}

    def variant(self, v: Variant) -> dict[str, Any]:
        return {
            "id": to_global_id("ProductVariant", v.id),
            "sku": v.sku,
            "title": v.title,
            "availableForSale": v.available_for_sale,
            "quantityAvailable": v.quantity_available,
            "price": money(v.price),
            "compareAtPrice": money(v.compare_at_price),
            "selectedOptions": [{"name": o.name, "value": o.value} for o in v.selected_options],
            "image": image(v.image, self.image_origin, full=False),
        }


Handler = Callable[[Floor, dict[str, Any]], Awaitable[dict[str, Any]]]
HANDLERS: dict[str, Handler] = {
    "home": Floor.home,
    "product_page": Floor.product_page,
    "search": Floor.search,
    "store_locator": Floor.store_locator,
    "checkout": Floor.checkout,
    "add_to_cart": Floor.add_to_cart,
}


def create_floor(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with build_backends(settings) as backends:
            codec = CursorCodec(settings.cursor_secret.get_secret_value().encode())
            app.state.floor = Floor(backends, codec, settings)
            yield

    def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def serve(request: Request) -> Response:
            body = orjson.loads(await request.body())
            data = await handler(request.app.state.floor, body.get("variables") or {})
            return Response(orjson.dumps({"data": data}), media_type="application/json")

        return serve

    routes = [Route(f"/floor/{name}", endpoint(h), methods=["POST"]) for name, h in HANDLERS.items()]
    return Starlette(routes=routes, lifespan=lifespan)
