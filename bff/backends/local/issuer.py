"""``LocalIssuer``: the embedded token issuer, so sign-in works on a laptop with no Cognito.

An RSA key pair is generated into the data dir on first start (``local-issuer-key.pem``, mode 0600) and
reused after. Its public half is served as a JWKS at ``/.well-known/jwks.json``; ``bff token`` mints
Cognito-shaped id tokens with it, and they are verified by the same ``CognitoTokenVerifier`` as Cognito's.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import os
import secrets
import stat
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt

log = logging.getLogger("bff.auth")

LOCAL_ISSUER = "urn:storefront-bff:local-issuer"
LOCAL_CLIENT_ID = "storefront-local"
KEY_FILE = "local-issuer-key.pem"
MAX_TTL = timedelta(days=30)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def thumbprint(public_jwk: Mapping[str, Any]) -> str:
    """RFC 7638 key thumbprint: a ``kid`` that changes exactly when the key does."""
    members = {name: public_jwk[name] for name in ("e", "kty", "n")}
    return _b64(hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest())


def _create_key_file(path: Path) -> None:
    """Write a new private key at ``path`` unless one appears first (two workers starting at once)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(pem)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)  # atomic, and refuses to replace a key another process wrote
    finally:
        temporary.unlink(missing_ok=True)


class LocalIssuer:
    def __init__(self, private_pem: bytes) -> None:
        # Parsing the PEM checks the key, which is slow: parse once, sign many.
        self._private_key = jwk.construct(private_pem.decode(), "RS256")
        public = self._private_key.public_key().to_dict()
        self.kid = thumbprint(public)
        self._public_jwk = {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}

    @classmethod
    def load_or_create(cls, data_dir: Path) -> LocalIssuer:
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / KEY_FILE
        if not path.exists():
            _create_key_file(path)
            log.info("created the local token issuer's key at %s", path)
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s was readable by others (mode %o): tightening it to 0600", path, mode)
            path.chmod(0o600)
        return cls(path.read_bytes())

    def jwks(self) -> dict[str, Any]:
        """The public key set, as Cognito serves it at ``/<pool>/.well-known/jwks.json``."""
        return {"keys": [dict(self._public_jwk)]}

    def mint(
        self,
        username: str,
        *,
        groups: Iterable[str] = (),
        ttl: timedelta = timedelta(hours=1),
        email: str | None = None,
        token_use: str = "id",  # noqa: S107 - the `token_use` claim, not a secret
    ) -> str:
        """A signed token for ``username``; its subject is derived from the username, so it is stable."""
        if not username or ttl <= timedelta(0) or ttl > MAX_TTL:
            raise ValueError(f"need a username and a ttl between 1s and {MAX_TTL}")
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": LOCAL_ISSUER,
            "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{LOCAL_ISSUER}/{username}")),
            "token_use": token_use,
            "auth_time": now,
            "iat": now,
            "exp": now + int(ttl.total_seconds()),
            "jti": str(uuid.uuid4()),
            "cognito:groups": sorted(set(groups)),
        }
        if token_use == "access":  # noqa: S105 - a claim value
            claims |= {"client_id": LOCAL_CLIENT_ID, "username": username}
        else:
            claims |= {"aud": LOCAL_CLIENT_ID, "cognito:username": username}
        if email or "@" in username:
            claims["email"] = email or username
        token: str = jwt.encode(claims, self._private_key, algorithm="RS256", headers={"kid": self.kid})
        return token

    async def fetch_jwks(self) -> Mapping[str, Any]:
        """The JWKS fetcher for ``JwksCache``: the embedded issuer's keys need no network."""
        return self.jwks()
