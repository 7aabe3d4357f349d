"""``Customer``: the signed-in person, as their token describes them."""

from __future__ import annotations

import strawberry

from bff.domain.identity import Identity


@strawberry.type(description="The signed-in customer (or staff member), as their identity provider vouches.")
class Customer:
    id: strawberry.ID = strawberry.field(description="Stable id of the customer (the token's subject).")
    email: str | None = strawberry.field(description="Email address, when the token carries one.")
    username: str = strawberry.field(description="Sign-in name.")
    display_name: str = strawberry.field(description="Name to greet the customer with.")
    groups: list[str] = strawberry.field(description="Groups the customer belongs to, e.g. `admin`.")

    @classmethod
    def from_identity(cls, identity: Identity) -> Customer:
        display = identity.username.split("@", 1)[0] if "@" in identity.username else identity.username
        return cls(
            id=strawberry.ID(identity.subject),
            email=identity.email,
            username=identity.username,
            display_name=display,
            groups=sorted(identity.groups),
        )
