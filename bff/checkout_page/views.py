"""The hosted checkout's pages: the checkout form, its post, and the order's status page.

``GET /checkout/<cart>?key=<key>``: the cart's lines priced now, and a form (email, shipping address,
delivery method, sandbox payment choice). Every render gives the form a fresh idempotency key and a token
signed for the cart, that key and the cart's owner (``bff.services.checkout_links.form_token``): a post
without a matching token is refused (another site cannot post it), and posting the same form twice answers
the one order.

``POST /checkout/<cart>?key=<key>``: the checkout through ``checkoutComplete``'s use case (``Checkout``, built
as the mutation builds it), as the cart's owner the form was signed for; refused input renders the form
again with the messages, an order redirects to its status page.

``GET /checkout/order/<order>?key=<key>``: the order's status, refreshed every few seconds (``<meta
refresh>``, no JavaScript) until it is FULFILLED or CANCELLED. A declined payment says so and gives the
cart back (``bff.services.cart_restore``) with a link to its checkout.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bff.checkout_page.forms import PAYMENT_CHOICES, CheckoutForm, FormTooLarge, delivery_choices, field_errors
from bff.checkout_page.rendering import render
from bff.context import Context
from bff.domain.cart import Cart
from bff.domain.cart_pricing import PricedCart
from bff.domain.identity import Identity
from bff.domain.orders import Order, OrderStatus
from bff.errors import BadUserInput
from bff.graphql.throttle import client_address
from bff.ids import from_global_id, to_global_id
from bff.ownership import is_capability_id
from bff.services.cart_discounts import discounts_for
from bff.services.cart_pricing import priced
from bff.services.cart_restore import payment_declined, restore_cart
from bff.services.checkout_links import (
    checkout_key,
    checkout_url,
    form_token,
    link_secret,
    restored_cart_id,
    valid_checkout_key,
    valid_form_token,
)
from bff.state import AppState
from resolvers.orders.checkout import checkout_for

# How often the status page reloads while the order moves; an order on hold waits for a person.
REFRESH_SECONDS = {OrderStatus.PENDING: 2, OrderStatus.PAID: 2, OrderStatus.ON_HOLD: 15}
STATUS_TEXT = {
    OrderStatus.PENDING: "Order received: checking the payment.",
    OrderStatus.ON_HOLD: "Order received: it is being reviewed before payment.",
    OrderStatus.PAID: "Paid: the order is being prepared.",
    OrderStatus.FULFILLED: "On its way: the order was handed to delivery.",
    OrderStatus.CANCELLED: "Cancelled: nothing was charged.",
}


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.bff
    return state


def _secret(state: AppState) -> bytes:
    return link_secret(state.settings.cursor_secret.get_secret_value())


def _context(request: Request, state: AppState, user: Identity | None) -> Context:
    address = client_address(request, state.settings.trusted_proxies)
    request_id = request.scope.get("state", {}).get("request_id") or "-"
    return Context.new(state, user, request_id, address, None, f"{request.url.scheme}://{request.url.netloc}")


def _not_found(state: AppState) -> Response:
    return render("gone.html", {"title": "This checkout is not available"}, status=404)


def _key_of(gid: str) -> str | None:
    try:
        return from_global_id(gid, "Cart")[1]
    except BadUserInput:
        return None


async def _cart(state: AppState, gid: str, key: str) -> Cart | None:
    """The cart a checkout link names, when its key was made for it; None otherwise (nothing said of why)."""
    cart_id = _key_of(gid)
    if cart_id is None or not is_capability_id(cart_id) or not valid_checkout_key(_secret(state), cart_id, key):
        return None
    [cart] = await state.backends.carts.get_carts([cart_id])
    return cart


def _buyer(cart: Cart) -> Identity | None:
    """Who checks out: the link was made for this cart, so for a customer's cart, that customer."""
    return None if cart.customer_id is None else Identity(subject=cart.customer_id, username="")


async def _priced(ctx: Context, cart: Cart) -> PricedCart:
    loaders = ctx.loaders
    discounts = discounts_for(ctx.backends.discounts, loaders.product_by_id.load_many, loaders.category_by_id.load_many)
    return await priced(cart, loaders.variant_by_id.load_many, discounts)


async def _titles(ctx: Context, product_ids: list[str]) -> dict[str, str]:
    """Each product's title, by id, to name the lines with (a product gone since reads as nothing)."""
    products = await ctx.loaders.product_by_id.load_many(list(dict.fromkeys(product_ids)))
    ctx.loaders.release()
    return {p.id: p.title for p in products if p is not None}


async def _form_page(
    request: Request,
    state: AppState,
    cart: Cart,
    form: CheckoutForm | None = None,
    errors: dict[str, list[str]] | None = None,
) -> Response:
    ctx = _context(request, state, _buyer(cart))
    pricing = await _priced(ctx, cart)
    titles = await _titles(ctx, [p.variant.product_id for p in pricing.lines])
    nonce = uuid.uuid4().hex  # a fresh idempotency key per render: a reload is a new attempt
    values = dict(form.values) if form else {"email": cart.email or "", "country_code": cart.country_code or ""}
    values.setdefault("delivery_method", "STANDARD")
    context = {
        "title": "Checkout",
        "cart": cart,
        "pricing": pricing,
        "titles": titles,
        "values": values,
        "errors": errors or {},
        "nonce": nonce,
        "owner": cart.customer_id or "",
        "csrf": form_token(_secret(state), cart.id, nonce, cart.customer_id or ""),
        "key": checkout_key(_secret(state), cart.id),
        "action": request.url.path,
        "deliveries": delivery_choices(),
        "payments": list(PAYMENT_CHOICES.items()),
    }
    status = 422 if errors else 200
    return render("checkout.html", context, status=status)


async def checkout_page(request: Request) -> Response:
    state = _state(request)
    cart = await _cart(state, request.path_params["cart"], request.query_params.get("key", ""))
    if cart is None:
        return _not_found(state)
    return await _form_page(request, state, cart)


async def checkout_post(request: Request) -> Response:
    state = _state(request)
    gid = request.path_params["cart"]
    try:
        form = CheckoutForm.parse(await request.body())
    except FormTooLarge:
        return render("gone.html", {"title": "The form is too large"}, status=413)
    key = form.get("key") or request.query_params.get("key", "")
    cart_id = _key_of(gid)
    secret = _secret(state)
    if cart_id is None or not is_capability_id(cart_id) or not valid_checkout_key(secret, cart_id, key):
        return _not_found(state)
    if not valid_form_token(secret, cart_id, form.get("idempotency_key"), form.get("owner"), form.get("csrf")):
        context = {"title": "This form has expired", "retry": checkout_url("", secret, cart_id)}
        return render("gone.html", context, status=403)
    [cart] = await state.backends.carts.get_carts([cart_id])
    # A converted cart still checks out here: the idempotency key answers the order it placed (a double
    # submit), under the owner the form was signed for.
    owner = form.get("owner")
    user = Identity(subject=owner, username="") if owner else None
    ctx = _context(request, state, user)
    result = await checkout_for(ctx).complete(user, form.checkout_input(gid), ctx.client_address)
    ctx.loaders.release()
    if result.order is not None:
        return RedirectResponse(order_path(secret, result.order.id), status_code=303)
    if cart is None or (cart.customer_id or "") != owner:
        return _not_found(state)
    return await _form_page(request, state, cart, form, field_errors(result.problems))


def order_path(secret: bytes, order_id: str) -> str:
    gid = quote(to_global_id("Order", order_id), safe="")
    return f"/checkout/order/{gid}?key={_order_key(secret, order_id)}"


def _order_key(secret: bytes, order_id: str) -> str:
    return checkout_key(secret, f"order:{order_id}")


async def order_page(request: Request) -> Response:
    state = _state(request)
    secret = _secret(state)
    try:
        order_id = from_global_id(request.path_params["order"], "Order")[1]
    except BadUserInput:
        return _not_found(state)
    if not valid_checkout_key(secret, f"order:{order_id}", request.query_params.get("key", "")):
        return _not_found(state)
    [order] = await state.backends.orders.orders.get_orders([order_id])
    if order is None:
        return _not_found(state)
    titles = await _titles(_context(request, state, None), [line.product_id for line in order.lines])
    declined = payment_declined(order)
    retry = await _restored_link(request, state, order) if declined else None
    context = {
        "title": f"Order {order.name}",
        "order": order,
        "titles": titles,
        "status_text": STATUS_TEXT[order.status],
        "declined": declined,
        "retry": retry,
        "refresh": REFRESH_SECONDS.get(order.status),
    }
    return render("order.html", context)


async def _restored_link(request: Request, state: AppState, order: Order) -> str | None:
    secret = _secret(state)
    ttl = timedelta(days=state.settings.cart_guest_ttl_days)
    cart = await restore_cart(state.backends.carts, order, restored_cart_id(secret, order.id), ttl)
    return None if cart is None else checkout_url("", secret, cart.id)
