"""``CartInteractions``: a cart store listener that records what shoppers add to and remove from their carts.

Subscribed to the cart store's listeners in the composition root (``registry``). Each cart write is compared
with the last version of that cart this process saw (at most ``MAX_CARTS`` remembered): a line that appeared or grew is
an ADD_TO_CART, a line that went a REMOVE_FROM_CART. A cart first seen in an update (another process wrote
it before, or this one restarted) is remembered, not recorded: its change is unknown; so is a merge of a guest
cart into the customer's on sign-in, whose lines were recorded when they were added.

Nothing waits on I/O here: the events go to the ``InteractionBuffer`` with variant ids, which reads their
products in the background when it sends. The cart's id is a secret capability: the session an event names
is a digest of it, never the id.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from datetime import UTC, datetime

from bff.backends.cart_events import CartChanged
from bff.backends.interaction_buffer import InteractionBuffer
from bff.domain.recommendations import EventType, Interaction

MAX_CARTS = 50_000


def cart_session(cart_id: str) -> str:
    """The session id a cart's events are sent with: a digest, so the cart's capability id never leaves."""
    return "cart-" + hashlib.sha256(cart_id.encode()).hexdigest()[:32]


class CartInteractions:
    def __init__(self, buffer: InteractionBuffer) -> None:
        self.buffer = buffer
        self.seen: OrderedDict[str, dict[str, int]] = OrderedDict()

    async def cart_changed(self, event: CartChanged) -> None:
        cart = event.cart
        after: dict[str, int] = {}
        for line in cart.lines:
            after[line.variant_id] = after.get(line.variant_id, 0) + line.quantity
        before = self.seen.pop(cart.id, None)
        self.seen[cart.id] = after
        if len(self.seen) > MAX_CARTS:
            self.seen.popitem(last=False)
        if event.dropped is not None:
            # A guest cart merged into the customer's on sign-in: its lines were recorded as they were added.
            self.seen.pop(event.dropped.id, None)
            return
        if before is None:
            if not event.created:
                return
            before = {}
        now = datetime.now(UTC)
        session = cart_session(cart.id)

        def interaction(variant: str, kind: EventType) -> Interaction:
            return Interaction(session, variant, kind, now, user_id=cart.customer_id)

        events = [interaction(v, EventType.ADD_TO_CART) for v, q in after.items() if q > before.get(v, 0)]
        events += [interaction(v, EventType.REMOVE_FROM_CART) for v in before if v not in after]
        if events:
            self.buffer.offer(events, variants=True)
