"""Carts by store key: one `get_carts` call per batch (``nodes`` asking for several carts)."""

from __future__ import annotations

from typing import TypeAlias

from bff.backends.carts import CartStore
from bff.domain.cart import Cart
from loaders.base import PortLoader

Key: TypeAlias = str
Result: TypeAlias = Cart | None


class CartByIdLoader(PortLoader[Key, Result]):
    def __init__(self, store: CartStore) -> None:
        super().__init__(store.get_carts)
