"""Cart change notification: every write through the app's cart store tells the listeners what changed.

Recommendations and orders will subscribe (what shoppers add, abandoned carts); nothing does yet, so the
composition root (``bff.backends.registry``) gives an empty tuple. Listeners run after the write succeeded,
in order; reads pass straight through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bff.backends.carts import CartStore
from bff.domain.cart import Cart


@dataclass(frozen=True, slots=True)
class CartChanged:
    """A domain event: ``cart`` as written (``created`` when it is new); ``dropped`` is a cart merged away
    in the same write."""

    cart: Cart
    created: bool
    dropped: Cart | None = None


class CartListener(Protocol):
    async def cart_changed(self, event: CartChanged) -> None: ...


class ObservedCartStore:
    """A ``CartStore`` that notifies ``listeners`` after each write."""

    def __init__(self, store: CartStore, listeners: Sequence[CartListener] = ()) -> None:
        self._store = store
        self.listeners: tuple[CartListener, ...] = tuple(listeners)

    async def get_carts(self, ids: Sequence[str]) -> list[Cart | None]:
        return await self._store.get_carts(ids)

    async def get_customer_carts(self, customer_ids: Sequence[str]) -> list[Cart | None]:
        return await self._store.get_customer_carts(customer_ids)

    async def save_cart(self, cart: Cart, expected_version: int | None, drop: Cart | None = None) -> Cart:
        stored = await self._store.save_cart(cart, expected_version, drop)
        event = CartChanged(stored, expected_version is None, drop)
        for listener in self.listeners:
            await listener.cart_changed(event)
        return stored

    async def close(self) -> None:
        await self._store.close()
