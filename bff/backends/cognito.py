"""``CognitoTokenVerifier``: Cognito user-pool tokens (and the embedded issuer's, which look the same).

The order of checks matters: the header's ``alg`` must be RS256 before anything is verified (python-jose is
also told ``algorithms=["RS256"]``, so the token never chooses), the key comes only from the issuer's JWKS
by ``kid``, and claims are read only after the signature holds. Every refusal is ``Unauthenticated`` with a
short ``reason`` a client may see; details stay in the debug log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping
from typing import Any

import httpx
from jose import jwt
from jose.exceptions import ExpiredSignatureError, JWTClaimsError

from bff.backends.jwks import JwksCache, JwksFetch, JwksUnavailable
from bff.domain.identity import Identity
from bff.errors import Unauthenticated

log = logging.getLogger("bff.auth")

ALGORITHM = "RS256"
# Cognito tokens are a few KiB even with many groups; anything far larger is not a token.
MAX_TOKEN_CHARS = 16 * 1024
TOKEN_USES = frozenset({"id", "access"})


def cognito_issuer(region: str, user_pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def http_jwks(url: str, client: httpx.AsyncClient, *, timeout: float = 5.0) -> JwksFetch:
    """Fetches the JWKS at ``url``; transport and HTTP failures become ``JwksUnavailable``."""

    async def fetch() -> Mapping[str, Any]:
        try:
            response = await client.get(url, timeout=timeout, follow_redirects=False)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise JwksUnavailable(f"GET {url}: {exc}") from exc
        if not isinstance(document, Mapping):
            raise JwksUnavailable(f"GET {url}: not a JSON object")
        return document

    return fetch


def _timestamp(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def refuse(reason: str) -> Unauthenticated:
    return Unauthenticated("the bearer token is not valid", reason=reason)


class CognitoTokenVerifier:
    """The ``TokenVerifier`` port for RS256 tokens shaped like Cognito's (``token_use``, ``cognito:groups``)."""

    def __init__(
        self,
        *,
        issuer: str,
        client_ids: Collection[str],
        keys: JwksCache,
        token_uses: Collection[str] = TOKEN_USES,
        leeway: int = 30,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        if not client_ids:
            raise ValueError("at least one app client id is required")
        if not set(token_uses) <= TOKEN_USES or not token_uses:
            raise ValueError(f"token_uses must be a non-empty subset of {sorted(TOKEN_USES)}")
        self.issuer = issuer
        self.client_ids = frozenset(client_ids)
        self.token_uses = frozenset(token_uses)
        self.leeway = leeway
        self.keys = keys
        self._http = http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def ping(self) -> None:
        """Raise ``ServiceUnavailable`` (with the cause) while the issuer's keys cannot be fetched."""
        await self.keys.ping()

    async def verify(self, token: str) -> Identity:
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise refuse("malformed_token")
        try:
            header = jwt.get_unverified_header(token)
        except Exception:  # noqa: BLE001 - any unreadable header is a malformed token, never a 500
            raise refuse("malformed_token") from None
        if header.get("alg") != ALGORITHM:
            raise refuse("unsupported_algorithm")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 256:
            raise refuse("unknown_signing_key")
        key = await self.keys.key(kid)
        if key is None:
            raise refuse("unknown_signing_key")
        claims = self._decode(token, key)
        return self._identity(claims)

    def _decode(self, token: str, key: Any) -> dict[str, Any]:
        options = {
            "verify_aud": False,  # Cognito access tokens carry `client_id`, not `aud`: checked below
            "verify_iss": False,  # checked below, with its own reason
            "verify_at_hash": False,
            "leeway": self.leeway,  # `exp` and `iat` must be present: checked below
        }
        try:
            claims: dict[str, Any] = jwt.decode(token, key, algorithms=[ALGORITHM], options=options)
        except ExpiredSignatureError:
            raise refuse("token_expired") from None
        except JWTClaimsError as exc:
            raise refuse("token_not_yet_valid" if "nbf" in str(exc) else "invalid_claims") from None
        except (TypeError, ValueError):
            # python-jose compares claims only after the signature holds; odd types (a list for `exp`) end here.
            raise refuse("invalid_claims") from None
        except Exception as exc:  # noqa: BLE001 - JWSError, JWTError: whatever jose raises is a refusal
            log.debug("token refused: %s", exc)
            raise refuse("bad_signature") from None
        return claims

    def _identity(self, claims: Mapping[str, Any]) -> Identity:
        if claims.get("iss") != self.issuer:
            raise refuse("wrong_issuer")
        use = claims.get("token_use")
        if use not in self.token_uses:
            raise refuse("token_use_not_allowed")
        client = claims.get("client_id") if use == "access" else claims.get("aud")
        if not isinstance(client, str) or client not in self.client_ids:
            raise refuse("wrong_audience")
        issued_at, expires_at = _timestamp(claims.get("iat")), _timestamp(claims.get("exp"))
        if issued_at is None or expires_at is None:
            raise refuse("invalid_claims")
        if issued_at > time.time() + self.leeway:
            raise refuse("token_not_yet_valid")
        subject = claims.get("sub")
        groups = claims.get("cognito:groups", [])
        email = claims.get("email")
        if not isinstance(subject, str) or not subject or not isinstance(groups, list):
            raise refuse("invalid_claims")
        username = claims.get("cognito:username") or claims.get("username") or subject
        return Identity(
            subject=subject,
            username=str(username),
            email=email if isinstance(email, str) else None,
            groups=frozenset(g for g in groups if isinstance(g, str)),
            token_use=str(use),
        )
