"""``bff token``: mint a bearer token from the embedded issuer, for GraphiQL, curl and tests."""

from __future__ import annotations

import re
from datetime import timedelta

from bff.backends.local.issuer import MAX_TTL, LocalIssuer
from bff.settings import Settings

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_ttl(text: str) -> timedelta:
    """``90``, ``90s``, ``15m``, ``1h`` or ``7d``; from one second up to ``MAX_TTL``."""
    match = _DURATION.match(text.lower())
    if match is None:
        raise ValueError(f"{text!r} is not a duration like 30m, 1h or 7d")
    ttl = timedelta(seconds=int(match[1]) * _UNIT[match[2]])
    if not timedelta(seconds=1) <= ttl <= MAX_TTL:
        raise ValueError(f"the ttl must be from 1s to {MAX_TTL.days}d")
    return ttl


def mint_token(settings: Settings, user: str, groups: list[str], ttl: str) -> str:
    if settings.auth_backend != "local":
        raise ValueError("`bff token` mints tokens for the embedded issuer only (BFF_AUTH_BACKEND=local)")
    return LocalIssuer.load_or_create(settings.data_dir).mint(user, groups=groups, ttl=parse_ttl(ttl))
