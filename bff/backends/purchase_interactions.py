"""Placed orders feed the recommenders: a purchase listener turning each order into PURCHASE interactions of
its products, in the cart's session (the digest ``cart_interactions`` sends the cart's events with), buffered
and sent in the background by the ``InteractionBuffer``."""

from __future__ import annotations

from bff.backends.cart_interactions import cart_session
from bff.backends.interaction_buffer import InteractionBuffer
from bff.backends.order_events import Purchase


class PurchaseInteractions:
    """A ``PurchaseListener``: one PURCHASE per product of the order."""

    def __init__(self, interactions: InteractionBuffer) -> None:
        self._interactions = interactions

    async def purchased(self, purchase: Purchase) -> None:
        products = list(dict.fromkeys(line.product_id for line in purchase.lines))
        self._interactions.record_purchases(purchase.customer_id, cart_session(purchase.cart_id), products)
