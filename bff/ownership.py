"""Who may read or change a cart or an order.

- A guest cart (no owner) is a capability: whoever holds its id may use it, so the id must be unguessable
  (``new_capability_id``: 192 random bits from ``secrets``).
- A cart bound to a customer (``owner_id`` = the token's ``sub``) is that customer's (and support staff's, the
  ``admin`` group): ``check_cart_owner`` refuses everybody else, signed in or not, with the same
  ``FORBIDDEN``, so a caller learns nothing about a cart that is not theirs.
- An order is its owner's; admins may read every order (``allow_admin=True``) for support.

Resolvers call ``check_owner`` (``check_cart_owner`` for carts) after loading the entity and before
returning or changing any of it.
"""

from __future__ import annotations

import re
import secrets

from bff.domain.identity import Identity
from bff.errors import Forbidden, Unauthenticated

CAPABILITY_BYTES = 24  # 192 bits: comfortably over the 128 the design asks for
_CAPABILITY = re.compile(r"^[A-Za-z0-9_-]{32,128}$")


def new_capability_id() -> str:
    """A fresh, unguessable id for an entity whose id is its own access right (a guest cart)."""
    return secrets.token_urlsafe(CAPABILITY_BYTES)


def is_capability_id(value: str) -> bool:
    """Whether ``value`` could be a capability id (long enough to be unguessable); look nothing else up."""
    return bool(_CAPABILITY.match(value))


def check_owner(user: Identity | None, owner_id: str | None, *, allow_admin: bool) -> None:
    """Return when ``user`` may use an entity owned by ``owner_id``; raise otherwise.

    ``owner_id=None`` is a guest entity reached through its capability id: allowed. An owned entity needs
    a signed-in user (``Unauthenticated``) who is its owner, or an admin when ``allow_admin`` (``Forbidden``).
    """
    if owner_id is None:
        return
    if user is None:
        raise Unauthenticated("sign in to use this", reason="sign_in_required")
    if secrets.compare_digest(user.subject.encode(), owner_id.encode()):
        return
    if allow_admin and user.is_admin:
        return
    raise Forbidden("this belongs to another customer")


def check_cart_owner(user: Identity | None, owner_id: str | None) -> None:
    """Return when ``user`` may read or change a cart owned by ``owner_id`` (None: a guest cart); raise
    ``Forbidden`` otherwise, the same answer for an anonymous caller and another customer."""
    if owner_id is None:
        return
    if user is not None and (secrets.compare_digest(user.subject.encode(), owner_id.encode()) or user.is_admin):
        return
    raise Forbidden("this cart belongs to a signed-in customer")
