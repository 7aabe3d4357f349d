"""Ownership: guest carts are capabilities; owned carts and orders are their owner's (admins read orders)."""

from __future__ import annotations

import base64

import pytest

from bff.domain.identity import Identity
from bff.errors import Forbidden, Unauthenticated
from bff.ownership import check_owner, is_capability_id, new_capability_id

ALICE = Identity(subject="sub-alice", username="alice")
BOB = Identity(subject="sub-bob", username="bob")
ADMIN = Identity(subject="sub-admin", username="root", groups=frozenset({"admin"}))


def test_capability_ids_carry_at_least_128_random_bits() -> None:
    ids = {new_capability_id() for _ in range(10_000)}
    assert len(ids) == 10_000
    for value in list(ids)[:100]:
        assert len(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))) * 8 >= 128
        assert is_capability_id(value)


def test_short_or_odd_ids_are_not_capabilities() -> None:
    assert not is_capability_id("cart-1")
    assert not is_capability_id("x" * 31)
    assert not is_capability_id("a" * 40 + "/")


@pytest.mark.parametrize("user", [None, ALICE, ADMIN])
def test_a_guest_cart_is_open_to_whoever_holds_its_id(user: Identity | None) -> None:
    check_owner(user, None, allow_admin=False)


def test_an_owned_cart_is_its_owners() -> None:
    check_owner(ALICE, ALICE.subject, allow_admin=False)


def test_an_owned_cart_needs_a_signed_in_user() -> None:
    with pytest.raises(Unauthenticated):
        check_owner(None, ALICE.subject, allow_admin=False)


@pytest.mark.parametrize("user", [BOB, ADMIN])
def test_another_customers_cart_is_forbidden_even_to_admins(user: Identity) -> None:
    with pytest.raises(Forbidden):
        check_owner(user, ALICE.subject, allow_admin=False)


def test_admins_may_read_every_order_customers_only_theirs() -> None:
    check_owner(ADMIN, ALICE.subject, allow_admin=True)
    check_owner(ALICE, ALICE.subject, allow_admin=True)
    with pytest.raises(Forbidden):
        check_owner(BOB, ALICE.subject, allow_admin=True)
    with pytest.raises(Unauthenticated):
        check_owner(None, ALICE.subject, allow_admin=True)
