"""``checkoutComplete``'s use case: the cart priced at today's prices, then one transaction that writes the
order PENDING, reserves its stock, converts the cart and claims the idempotency key; then the workflow starts.

Backend calls on the way (the ``checkout`` benchmark counts them): the cart (1), its variants with today's
prices and units (2), the discount rules when the cart holds codes, the transaction (3), the workflow's start
(4). A cart that changed between its read and the transaction is read and priced again (a few times); a retry
with the same idempotency key answers the order it placed and starts nothing new; the workflow's start is
idempotent, so a retry of a checkout whose start failed starts it then.

After the order is placed: the purchase listeners hear of it (the recommender), the discount codes' uses are
counted, and, only when the order took a variant's last units, the catalog re-reads those variants' stock so
that a product that went out of stock is rewritten and its cached public responses retired (``set_stock`` with
the units on hand unchanged): never the whole response cache on every order.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from bff.backends.carts import CartStore
from bff.backends.catalog import CatalogStore
from bff.backends.discounts import DiscountStore
from bff.backends.order_events import tell
from bff.backends.order_registry import OrderBackends
from bff.domain.cart import Cart
from bff.domain.cart_pricing import PricedCart, price_cart
from bff.domain.catalog import Money, currency_amount
from bff.domain.checkout import (
    MAX_DISTINCT_VARIANTS,
    CheckoutInput,
    Placed,
    Placement,
    PlaceOutcome,
    input_problems,
    shipping_charge,
)
from bff.domain.error_codes import CheckoutErrorCode, Problem
from bff.domain.identity import Identity
from bff.domain.orders import HistoryEntry, Order, OrderLine, OrderStatus, new_order_number
from bff.errors import BadUserInput
from bff.ids import from_global_id, to_global_id
from bff.ownership import is_capability_id, new_capability_id
from bff.services.cart_edit import VariantFetch
from bff.services.cart_pricing import DiscountFetch

log = logging.getLogger("bff.checkout")

# Reads and pricings of a cart that keeps changing under the checkout before it gives up (CONFLICT).
ATTEMPTS = 3
GUEST_SCOPE = "guest"


@dataclass(frozen=True, slots=True)
class CheckoutResult:
    order: Order | None
    problems: list[Problem] = field(default_factory=list)
    # Notes for the buyer that did not stop the checkout (a price that changed since the line was added).
    warnings: list[str] = field(default_factory=list)


def _problem(code: CheckoutErrorCode, message: str, *path: str) -> CheckoutResult:
    return CheckoutResult(None, [Problem(("input", *path) if path else ("input",), message, code)])


def _now() -> datetime:
    return datetime.now(UTC)


def build_order(
    priced: PricedCart, cart: Cart, data: CheckoutInput, user: Identity | None, at: datetime, client: str | None
) -> Order:
    """The order as charged: today's prices, the cart's discounts, the delivery charge."""
    currency = priced.currency_code
    lines = []
    for p in priced.lines:
        discount = p.subtotal.amount - p.total.amount
        lines.append(
            OrderLine(
                variant_id=p.variant.id,
                product_id=p.variant.product_id,
                title=p.variant.title,
                sku=p.variant.sku or None,
                quantity=p.line.quantity,
                unit_price=p.amount_per_quantity,
                discount=Money(discount, currency),
                total=p.total,
            )
        )
    subtotal = sum((p.subtotal.amount for p in priced.lines), Decimal(0))
    after_discounts = priced.total.amount
    shipping = currency_amount(shipping_charge(data.delivery_method, after_discounts), currency)
    return Order(
        id=new_capability_id(),
        created_at=at,
        updated_at=at,
        status=OrderStatus.PENDING,
        lines=tuple(lines),
        currency_code=currency,
        subtotal=subtotal,
        discount_total=subtotal - after_discounts,
        shipping_total=shipping,
        total=after_discounts + shipping,
        email=data.email,
        shipping_address=data.shipping_address,
        billing_address=data.billing_address,
        delivery_method=data.delivery_method,
        payment_token=data.payment_token,
        cart_id=cart.id,
        idempotency_key=data.idempotency_key,
        customer_id=user.subject if user else None,
        discount_codes=tuple(code for code, applies in priced.discount_codes if applies),
        history=(HistoryEntry(OrderStatus.PENDING, at, "order placed"),),
        client_address=client,
        number=new_order_number(),
    )


class Checkout:
    def __init__(
        self,
        carts: CartStore,
        orders: OrderBackends,
        catalog: CatalogStore,
        discount_store: DiscountStore,
        variants: VariantFetch,
        discounts: DiscountFetch | None,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.carts = carts
        self.orders = orders
        self.catalog = catalog
        self.discount_store = discount_store
        self.variants = variants
        self.discounts = discounts
        self.clock = clock

    async def complete(self, user: Identity | None, data: CheckoutInput, client: str | None) -> CheckoutResult:
        problems = input_problems(data)
        try:
            _, cart_id = from_global_id(data.cart_id, "Cart", field="cartId")
        except BadUserInput as error:
            problems.insert(0, Problem(("input", "cartId"), error.message, CheckoutErrorCode.INVALID_ID))
            cart_id = ""
        if problems:
            return CheckoutResult(None, problems)
        for _ in range(ATTEMPTS):
            result = await self._attempt(user, data, cart_id, client)
            if result is not None:
                return result
        return _problem(CheckoutErrorCode.CONFLICT, "The cart kept changing during checkout; try again.", "cartId")

    async def _attempt(
        self, user: Identity | None, data: CheckoutInput, cart_id: str, client: str | None
    ) -> CheckoutResult | None:
        """The checkout, or None when the cart changed between its read and the transaction."""
        message = "No cart of yours has this id (unknown, expired, or already checked out)."
        not_found = _problem(CheckoutErrorCode.CART_NOT_FOUND, message, "cartId")
        [cart] = await self.carts.get_carts([cart_id]) if is_capability_id(cart_id) else [None]
        scope = user.subject if user else GUEST_SCOPE
        if cart is None:
            # A checkout retried after its cart was converted: the key answers the order it placed.
            held = await self.orders.orders.order_for_key(f"{scope}#{data.idempotency_key}")
            if held is None:
                return not_found
            if held[0] != cart_id:
                return await self._answer(Placed(PlaceOutcome.KEY_REUSED), None, None)
            return await self._answer(Placed(PlaceOutcome.REPLAYED, held[1]), None, None)
        if cart.customer_id is not None and (user is None or user.subject != cart.customer_id):
            return not_found  # another customer's cart (support staff included): as if there were none
        if not cart.lines:
            return _problem(CheckoutErrorCode.EMPTY_CART, "The cart has no lines.", "cartId")
        keys = list(dict.fromkeys(line.variant_id for line in cart.lines))
        if len(keys) > MAX_DISTINCT_VARIANTS:
            message = f"An order holds at most {MAX_DISTINCT_VARIANTS} different items; this cart has {len(keys)}."
            return _problem(CheckoutErrorCode.TOO_MANY_VARIANTS, message, "cartId")
        by_key = dict(zip(keys, await self.variants(keys), strict=True))
        gone = [i for i, line in enumerate(cart.lines) if by_key.get(line.variant_id) is None]
        if gone:
            return CheckoutResult(
                None,
                [
                    Problem(
                        ("input", "cartId", "lines", str(i)),
                        "This item is no longer sold.",
                        CheckoutErrorCode.VARIANT_NOT_FOUND,
                    )
                    for i in gone
                ],
            )
        found = await self.discounts(cart, by_key) if self.discounts is not None and cart.discount_codes else None
        priced = price_cart(cart, by_key, found) if found is not None else price_cart(cart, by_key)
        order = build_order(priced, cart, data, user, self.clock(), client)
        seen = {key: variant.quantity_available for key, variant in by_key.items() if variant is not None}
        placed = await self.orders.orders.place_order(Placement(order, cart.version, scope, seen))
        if placed.outcome is PlaceOutcome.CART_CHANGED:
            return None
        return await self._answer(placed, cart, priced)

    async def _answer(self, placed: Placed, cart: Cart | None, priced: PricedCart | None) -> CheckoutResult:
        outcome = placed.outcome
        if outcome is PlaceOutcome.KEY_REUSED:
            message = "This idempotency key was already used for another cart; use a new key per checkout."
            return _problem(CheckoutErrorCode.IDEMPOTENCY_KEY_REUSED, message, "idempotencyKey")
        if outcome is PlaceOutcome.CART_CONVERTED:
            return _problem(CheckoutErrorCode.CART_ALREADY_CONVERTED, "This cart was already checked out.", "cartId")
        if outcome is PlaceOutcome.CART_GONE:
            return _problem(CheckoutErrorCode.CART_NOT_FOUND, "No cart of yours has this id.", "cartId")
        if outcome is PlaceOutcome.INSUFFICIENT_STOCK:
            assert cart is not None
            left = dict(placed.short)
            return CheckoutResult(
                None,
                [
                    Problem(
                        ("input", "cartId", "lines", str(i)),
                        f"Only {left[line.variant_id]} left of {to_global_id('ProductVariant', line.variant_id)}; "
                        "nothing was reserved.",
                        CheckoutErrorCode.INSUFFICIENT_STOCK,
                    )
                    for i, line in enumerate(cart.lines)
                    if line.variant_id in left
                ],
            )
        order = placed.order
        assert order is not None
        # Placed now, or placed by an earlier try with this key: either way the workflow must run (idempotent).
        await self.orders.workflow.start(order)
        if outcome is PlaceOutcome.PLACED:
            await self._after_placing(order, placed.sold_out)
        return CheckoutResult(order, [], [n.message for n in priced.notices] if priced else [])

    async def _after_placing(self, order: Order, sold_out: tuple[str, ...]) -> None:
        await tell(self.orders.purchase_listeners, order)
        for code in order.discount_codes:
            try:
                if not await self.discount_store.record_usage(code):
                    log.warning("order %s used code %s past its usage limit", order.id, code)
            except Exception:
                log.exception("counting a use of code %s for order %s failed", code, order.id)
        if sold_out and self.orders.availability is not None:
            try:
                await self.orders.availability(list(sold_out))
            except Exception:
                log.exception("rewriting the availability of %s after order %s failed", sold_out, order.id)
