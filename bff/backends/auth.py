"""The ``TokenVerifier`` port: a bearer token in, the ``Identity`` it proves out.

Adapters: ``CognitoTokenVerifier`` (bff/backends/cognito.py) for a Cognito user pool, and the same class
configured with the embedded issuer's keys (bff/backends/local/issuer.py) for a laptop or a test.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bff.domain.identity import Identity

__all__ = ["Identity", "TokenVerifier"]


@runtime_checkable
class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Identity:
        """The identity ``token`` proves, or ``bff.errors.Unauthenticated`` with a reason safe to show.

        Raises ``bff.errors.ServiceUnavailable`` when the issuer's keys cannot be fetched.
        """

    async def ping(self) -> None:
        """Raise ``bff.errors.ServiceUnavailable`` saying why while tokens cannot be verified (``/readyz``)."""

    async def close(self) -> None: ...
