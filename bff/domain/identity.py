"""Who is asking: the identity a verified bearer token stands for."""

from __future__ import annotations

from dataclasses import dataclass

ADMIN_GROUP = "admin"


@dataclass(frozen=True, slots=True)
class Identity:
    """A signed-in customer or staff member, as the token's issuer vouches for them.

    ``subject`` (the token's ``sub``) is the stable key that carts and orders are owned by; usernames and
    emails can change, subjects never do.
    """

    subject: str
    username: str
    email: str | None = None
    groups: frozenset[str] = frozenset()
    token_use: str = "id"  # noqa: S105 - the `token_use` claim, not a secret

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups
