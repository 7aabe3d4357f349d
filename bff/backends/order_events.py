"""Purchase events: every order checkout places tells the purchase listeners what was bought.

The recommender subscribes (implicit feedback: a purchase is the strongest signal; Amazon Personalize's
``PutEvents`` in AWS); listeners are one ordered tuple, written once in the composition root
(``bff.backends.order_registry``), and run after the order committed. A failing listener is logged and the
next one still runs: the order stands whatever a listener does.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bff.domain.orders import Order

log = logging.getLogger("bff.orders.events")


@dataclass(frozen=True, slots=True)
class PurchasedLine:
    variant_id: str
    product_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Purchase:
    """A domain event: ``customer_id`` (None for a guest) bought ``lines`` in order ``order_id`` at ``at``."""

    order_id: str
    customer_id: str | None
    at: datetime
    lines: tuple[PurchasedLine, ...]
    # The cart the order was placed from (its interactions' session).
    cart_id: str = ""

    @classmethod
    def of(cls, order: Order) -> Purchase:
        lines = tuple(PurchasedLine(line.variant_id, line.product_id, line.quantity) for line in order.lines)
        return cls(order.id, order.customer_id, order.created_at, lines, order.cart_id)


class PurchaseListener(Protocol):
    async def purchased(self, purchase: Purchase) -> None: ...


async def tell(listeners: Sequence[PurchaseListener], order: Order) -> None:
    """Each listener, in order, hears of the purchase ``order`` records."""
    purchase = Purchase.of(order)
    for listener in listeners:
        try:
            await listener.purchased(purchase)
        except Exception:
            log.exception("a purchase listener failed for order %s", order.id)
