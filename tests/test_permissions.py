"""Permission classes raise the project's errors, so their codes reach the client instead of being masked."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import strawberry

from bff.domain.identity import Identity
from bff.errors import BffError
from resolvers.permissions import IsAdmin, IsSignedIn


@strawberry.type
class Query:
    @strawberry.field(permission_classes=[IsSignedIn])
    def mine(self) -> str:
        return "yours"

    @strawberry.field(permission_classes=[IsAdmin])
    def staff(self) -> str:
        return "ops"


@dataclass
class Caller:
    """Only ``user`` is read by the permission classes."""

    user: Identity | None


SCHEMA = strawberry.Schema(query=Query)
CUSTOMER = Identity(subject="s1", username="alice")
ADMIN = Identity(subject="s2", username="root", groups=frozenset({"admin"}))


@pytest.mark.parametrize(
    ("field", "user", "code"),
    [
        ("mine", None, "UNAUTHENTICATED"),
        ("mine", CUSTOMER, None),
        ("staff", None, "UNAUTHENTICATED"),
        ("staff", CUSTOMER, "FORBIDDEN"),
        ("staff", ADMIN, None),
    ],
)
async def test_permissions_answer_with_a_code(field: str, user: Identity | None, code: str | None) -> None:
    result = await SCHEMA.execute(f"{{ {field} }}", context_value=Caller(user))
    if code is None:
        assert result.errors is None and result.data is not None
        return
    assert result.errors is not None
    original = result.errors[0].original_error
    assert isinstance(original, BffError) and original.code == code
