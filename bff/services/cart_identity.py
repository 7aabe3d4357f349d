"""``cartCreate`` and ``cartBuyerIdentityUpdate``: a new cart, and a cart attached to a signed-in customer.

Attaching a guest cart to a customer who already has a cart merges the two by the strategy in settings
(``bff.domain.cart_merge``); the cart kept and the cart dropped are written in one conditional write, so a
concurrent change of either makes the merge start again from fresh state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from bff.domain.cart import Attribute, Cart, MergeStrategy
from bff.domain.cart_change import (
    CartErrorCode,
    LineAdd,
    Notice,
    add_lines,
    check_adds,
    set_attributes,
    set_discount_codes,
    set_note,
    variant_key,
)
from bff.domain.cart_merge import merge_carts
from bff.domain.error_codes import Problem
from bff.domain.identity import Identity
from bff.errors import Conflict
from bff.ownership import check_cart_owner, new_capability_id
from bff.services.cart_edit import CartEditor, CartResult, cart_key, conflict, new_line_id, retry_cart, unknown_cart

MAX_EMAIL = 254
# E.164: a plus, then up to 15 digits, the first not 0.
_PHONE = re.compile(r"^\+[1-9][0-9]{1,14}$")


@dataclass(frozen=True, slots=True)
class BuyerIdentityChange:
    email: str | None = None
    country_code: str | None = None
    phone: str | None = None
    # The customer to attach the cart to (from a verified token); None leaves the owner as it is.
    customer: Identity | None = None


@dataclass(frozen=True, slots=True)
class NewCart:
    lines: tuple[LineAdd, ...] = ()
    note: str | None = None
    attributes: tuple[Attribute, ...] = ()
    discount_codes: tuple[str, ...] = ()
    buyer: BuyerIdentityChange | None = None


def _identity_problems(change: BuyerIdentityChange, field: tuple[str, ...]) -> list[Problem]:
    problems = []
    if change.email is not None and (len(change.email) > MAX_EMAIL or "@" not in change.email):
        problems.append(Problem((*field, "email"), "is not an email address", CartErrorCode.INVALID))
    code = change.country_code
    if code is not None and not (len(code) == 2 and code.isascii() and code.isalpha()):
        problems.append(Problem((*field, "countryCode"), "is not a 2-letter country code", CartErrorCode.INVALID))
    if change.phone is not None and not _PHONE.match(change.phone):
        problems.append(Problem((*field, "phone"), "is not a phone number in E.164 (+4420...)", CartErrorCode.INVALID))
    return problems


def _with_identity(cart: Cart, change: BuyerIdentityChange) -> Cart:
    return replace(
        cart,
        email=cart.email if change.email is None else change.email,
        country_code=cart.country_code if change.country_code is None else change.country_code.upper(),
        phone=cart.phone if change.phone is None else change.phone,
    )


async def create_cart(editor: CartEditor, new: NewCart) -> CartResult:
    problems = check_adds(new.lines, editor.limits, "lines")
    buyer = new.buyer or BuyerIdentityChange()
    problems += _identity_problems(buyer, ("buyerIdentity",))
    if problems:
        return CartResult(None, [replace(p, field=("input", *p.field)) for p in problems])
    now = datetime.now(UTC)
    cart = _with_identity(Cart(id=new_capability_id(), created_at=now, updated_at=now), buyer)
    if buyer.customer is not None:
        cart = replace(cart, customer_id=buyer.customer.subject)
    notices: list[Notice] = []
    if new.lines:
        variants = await editor.variant_map([variant_key(a.merchandise_id) or "" for a in new.lines])
        cart, problems, notices = add_lines(cart, new.lines, variants, editor.limits, new_line_id)
    if new.note is not None:
        cart, more = set_note(cart, new.note, editor.limits)
        problems += more
    cart, more = set_attributes(cart, new.attributes, editor.limits)
    problems += more
    cart, more = set_discount_codes(cart, new.discount_codes, editor.limits)
    problems += more
    if problems:
        # cartCreate's fields sit under its `input` argument (Shopify's paths).
        return CartResult(None, [replace(p, field=("input", *p.field)) for p in problems])
    return CartResult(await editor.store.save_cart(editor.stamped(cart, now), None), [], notices)


async def update_buyer_identity(
    editor: CartEditor, cart_gid: str, change: BuyerIdentityChange, strategy: MergeStrategy
) -> CartResult:
    """Set the buyer's email and country; with a customer, attach the cart to them (merging with the cart
    they already have). The caller (or the customer named) must be allowed to use the cart."""
    problems = _identity_problems(change, ("buyerIdentity",))
    key = cart_key(cart_gid)
    if key is None:
        problems.append(unknown_cart())
    if problems or key is None:
        return CartResult(None, problems)
    customer = change.customer

    async def attempt() -> CartResult:
        cart = (await editor.store.get_carts([key]))[0]
        if cart is None:
            return CartResult(None, [unknown_cart()])
        check_cart_owner(customer or editor.user, cart.customer_id)
        now = datetime.now(UTC)
        changed = _with_identity(cart, change)
        if customer is None or cart.customer_id == customer.subject:
            return CartResult(await editor.store.save_cart(editor.stamped(changed, now), cart.version))
        existing = (await editor.store.get_customer_carts([customer.subject]))[0]
        if existing is None or existing.id == cart.id:
            attached = replace(changed, customer_id=customer.subject)
            return CartResult(await editor.store.save_cart(editor.stamped(attached, now), cart.version))
        kept, dropped = merge_carts(changed, existing, strategy, editor.limits, customer.subject, now)
        version = cart.version if kept.id == cart.id else existing.version
        return CartResult(await editor.store.save_cart(editor.stamped(kept, now), version, drop=dropped))

    try:
        async with editor.locks.turn(key):
            return await retry_cart(attempt)
    except Conflict:
        return CartResult(None, [conflict()])


async def customer_cart(editor: CartEditor, customer: Identity) -> Cart | None:
    return (await editor.store.get_customer_carts([customer.subject]))[0]
