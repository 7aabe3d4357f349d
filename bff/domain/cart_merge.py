"""Signing in with a guest cart when the customer already has one: the merge strategies (Vendure's three).

The cart the customer keeps is the guest cart (its id, which the storefront holds, stays valid) for
``MERGE`` and ``KEEP_GUEST``, and the customer's existing cart for ``KEEP_EXISTING``; the other one is dropped.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bff.domain.cart import Cart, CartLine, MergeStrategy
from bff.domain.cart_change import CartLimits, normalized_codes


def merged_lines(first: tuple[CartLine, ...], then: tuple[CartLine, ...], limits: CartLimits) -> tuple[CartLine, ...]:
    """``first``'s lines, then ``then``'s: the same variant with the same attributes sums its quantities (at
    most a line's maximum); lines past the cart's cap are left out."""
    lines = list(first)
    for line in then:
        at = next(
            (i for i, ln in enumerate(lines) if ln.variant_id == line.variant_id and ln.attributes == line.attributes),
            None,
        )
        if at is not None:
            total = min(lines[at].quantity + line.quantity, limits.max_line_quantity)
            lines[at] = replace(lines[at], quantity=total)
        elif len(lines) < limits.max_lines:
            lines.append(line)
    return tuple(lines)


def merge_carts(
    guest: Cart, existing: Cart, strategy: MergeStrategy, limits: CartLimits, customer_id: str, now: datetime
) -> tuple[Cart, Cart]:
    """(the cart the customer keeps, attached to them; the cart dropped)."""
    if strategy is MergeStrategy.KEEP_EXISTING:
        return existing, guest
    attached = replace(guest, customer_id=customer_id, expires_at=None, updated_at=now)
    if strategy is MergeStrategy.KEEP_GUEST:
        return attached, existing
    codes = normalized_codes((*existing.discount_codes, *guest.discount_codes))[: limits.max_discount_codes]
    attributes = tuple({a.key: a for a in (*existing.attributes, *guest.attributes)}.values())
    merged = replace(
        attached,
        lines=merged_lines(existing.lines, guest.lines, limits),
        discount_codes=codes,
        attributes=attributes[: limits.max_attributes],
        note=guest.note or existing.note,
        email=guest.email or existing.email,
        country_code=guest.country_code or existing.country_code,
        phone=guest.phone or existing.phone,
    )
    return merged, existing
