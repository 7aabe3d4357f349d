"""Cart mutations: read the cart, apply a change (``bff.domain.cart_change``), write it back conditionally.

Every change follows ``bff.services.conflicts``: the cart is read (strongly consistent), checked for access
(``bff.ownership.check_cart_owner``), changed, and written on the condition that its version is still the one
read; when another write came first, the change is applied again to the fresh cart. Concurrent edits of one
cart therefore never lose a line. A change that answers a problem writes nothing.

Variants are read through ``variants`` (the request's loader: one batch, and the answer reused when the cart
is priced for the response).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from bff.backends.cart_locks import CartLocks
from bff.backends.carts import CartStore
from bff.domain.cart import Attribute, Cart
from bff.domain.cart_change import (
    CartErrorCode,
    CartLimits,
    LineAdd,
    LineUpdate,
    Notice,
    add_lines,
    check_adds,
    remove_lines,
    set_attributes,
    set_discount_codes,
    set_note,
    update_lines,
    variant_key,
)
from bff.domain.catalog import Variant
from bff.domain.error_codes import Problem
from bff.domain.identity import Identity
from bff.errors import BadUserInput, Conflict
from bff.ids import from_global_id
from bff.ownership import check_cart_owner, is_capability_id
from bff.services.conflicts import ATTEMPTS, retry_on_conflict

VariantFetch = Callable[[Sequence[str]], Awaitable[Sequence[Variant | None]]]
Change = Callable[[Cart], Awaitable[tuple[Cart, list[Problem], list[Notice]]]]


@dataclass(frozen=True, slots=True)
class CartResult:
    """The cart as written (None when refused), the problems that refused it, the warnings of the change."""

    cart: Cart | None
    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CartEditor:
    """What every cart use case needs: the store, the caller, the limits, the variants' loader."""

    store: CartStore
    user: Identity | None
    limits: CartLimits
    variants: VariantFetch
    guest_ttl: timedelta
    locks: CartLocks

    async def variant_map(self, keys: Sequence[str]) -> dict[str, Variant | None]:
        unique = list(dict.fromkeys(keys))
        return dict(zip(unique, await self.variants(unique), strict=True))

    def stamped(self, cart: Cart, now: datetime) -> Cart:
        """``cart`` as it is written now: a guest cart's expiry moves on with every change."""
        expires = None if cart.customer_id is not None else now + self.guest_ttl
        return replace(cart, updated_at=now, expires_at=expires)

    async def edit(self, cart_gid: str, change: Change) -> CartResult:
        key = cart_key(cart_gid)
        if key is None:
            return CartResult(None, [unknown_cart()])

        async def attempt() -> CartResult:
            cart = (await self.store.get_carts([key]))[0]
            if cart is None:
                return CartResult(None, [unknown_cart()])
            check_cart_owner(self.user, cart.customer_id)
            changed, problems, notices = await change(cart)
            if problems:
                return CartResult(None, problems)
            saved = await self.store.save_cart(self.stamped(changed, datetime.now(UTC)), cart.version)
            return CartResult(saved, [], notices)

        try:
            async with self.locks.turn(key):
                return await retry_cart(attempt)
        except Conflict:
            return CartResult(None, [conflict()])

    async def add_lines(self, cart_gid: str, adds: Sequence[LineAdd]) -> CartResult:
        problems = check_adds(adds, self.limits)
        if problems:
            return CartResult(None, problems)
        added = [variant_key(a.merchandise_id) or "" for a in adds]

        async def change(cart: Cart) -> tuple[Cart, list[Problem], list[Notice]]:
            # The cart's own variants in the same batch: the response prices the whole cart with them.
            variants = await self.variant_map([*added, *(line.variant_id for line in cart.lines)])
            return add_lines(cart, adds, variants, self.limits, new_line_id)

        return await self.edit(cart_gid, change)

    async def update_lines(self, cart_gid: str, updates: Sequence[LineUpdate]) -> CartResult:
        if len(updates) > self.limits.max_lines:
            return CartResult(None, [Problem(("lines",), "too many lines", CartErrorCode.CART_TOO_LARGE)])

        async def change(cart: Cart) -> tuple[Cart, list[Problem], list[Notice]]:
            by_line = {line.id: line.variant_id for line in cart.lines}
            keys = [variant_key(u.merchandise_id) or "" for u in updates if u.merchandise_id is not None]
            variants = await self.variant_map([k for k in (*keys, *by_line.values()) if k])
            return update_lines(cart, updates, variants, self.limits)

        return await self.edit(cart_gid, change)

    async def remove_lines(self, cart_gid: str, line_ids: Sequence[str]) -> CartResult:
        return await self.edit(cart_gid, _plain(lambda cart: remove_lines(cart, line_ids)))

    async def set_note(self, cart_gid: str, note: str) -> CartResult:
        return await self.edit(cart_gid, _plain(lambda cart: set_note(cart, note, self.limits)))

    async def set_attributes(self, cart_gid: str, attributes: Sequence[Attribute]) -> CartResult:
        return await self.edit(cart_gid, _plain(lambda cart: set_attributes(cart, attributes, self.limits)))

    async def set_discount_codes(self, cart_gid: str, codes: Sequence[str]) -> CartResult:
        return await self.edit(cart_gid, _plain(lambda cart: set_discount_codes(cart, codes, self.limits)))


def _plain(apply: Callable[[Cart], tuple[Cart, list[Problem]]]) -> Change:
    async def change(cart: Cart) -> tuple[Cart, list[Problem], list[Notice]]:
        changed, problems = apply(cart)
        return changed, problems, []

    return change


async def retry_cart(attempt: Callable[[], Awaitable[CartResult]]) -> CartResult:
    return await retry_on_conflict(attempt)


def new_line_id() -> str:
    return secrets.token_urlsafe(9)


def cart_key(cart_gid: str) -> str | None:
    """The store key of a Cart global id; None for anything else (answered as an unknown cart)."""
    try:
        key = from_global_id(cart_gid, "Cart", field="cartId")[1]
    except BadUserInput:
        return None
    return key if is_capability_id(key) else None  # never made here: no lookup


def unknown_cart() -> Problem:
    return Problem(("cartId",), "no cart has this id (or it has expired)", CartErrorCode.INVALID)


def conflict() -> Problem:
    message = f"the cart kept changing while this change was applied ({ATTEMPTS} tries); nothing was written"
    return Problem(("cartId",), message, CartErrorCode.CONFLICT)
