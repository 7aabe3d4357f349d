"""The ``CartStore`` port: carts by id and by customer, written whole on the condition of their version.

A cart is one record (its lines embedded), so one conditional write changes it atomically: the use cases
(``bff.services.cart_edit``) read it, apply a change and write it back naming the version read; when another
write came first the store raises ``bff.errors.Conflict`` and the change is applied again to a fresh read.
Reads are strongly consistent (a cart is read to be changed) and never answer an expired guest cart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from bff.backends.ports import PortSpec
from bff.domain.cart import Cart


@runtime_checkable
class CartStore(Protocol):
    async def get_carts(self, ids: Sequence[str]) -> list[Cart | None]:
        """Carts by id, in the order asked; None for an unknown or expired one."""

    async def get_customer_carts(self, customer_ids: Sequence[str]) -> list[Cart | None]:
        """Each customer's current cart (the last one attached to them), None when they have none."""

    async def save_cart(self, cart: Cart, expected_version: int | None, drop: Cart | None = None) -> Cart:
        """Write ``cart`` if its stored version is still ``expected_version`` (None: no such cart may exist);
        the cart as stored, its version moved on. A cart with a ``customer_id`` becomes that customer's
        current cart in the same write, and ``drop`` (a merged-away cart) is deleted in it, on the condition
        of its own version. Raises ``bff.errors.Conflict`` when any condition fails."""

    async def close(self) -> None: ...


CARTS: PortSpec[CartStore] = PortSpec(CartStore, "carts", idempotent=("get_carts", "get_customer_carts"))
