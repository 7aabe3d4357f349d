"""``JwksCache``: an issuer's signing keys by ``kid``, fetched once, refreshed on an unknown ``kid``.

A token names its key with ``kid``; an unknown one may mean the issuer rotated keys, so the cache fetches
the JWKS again, but at most once per ``min_refresh_interval`` and never twice at the same time: a flood of
tokens with made-up kids costs the issuer one request, not one each. Keys older than ``max_age`` are
refetched so a key the issuer withdrew stops verifying; if that refetch fails the old keys stay in use.

A failed fetch keeps its cause (``last_error``, what ``/readyz`` reports) and is logged at ERROR once when
fetches start failing, not on every later try or request; the first success after it is logged too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from jose import jwk
from jose.backends.base import Key

from bff.errors import ServiceUnavailable

log = logging.getLogger("bff.auth")

JwksFetch = Callable[[], Awaitable[Mapping[str, Any]]]
MAX_KEYS = 64


class JwksUnavailable(Exception):
    """The JWKS could not be fetched or read (adapters raise this; the cache reports it)."""


def parse_jwks(document: Mapping[str, Any]) -> dict[str, Key]:
    """The RS256 signing keys of a JWKS by ``kid``; anything else in the set is ignored."""
    keys = document.get("keys") if isinstance(document, Mapping) else None
    if not isinstance(keys, list):
        raise JwksUnavailable("the JWKS has no `keys` list")
    found: dict[str, Key] = {}
    for entry in keys[:MAX_KEYS]:
        if not isinstance(entry, Mapping):
            continue
        kid = entry.get("kid")
        if entry.get("kty") != "RSA" or not isinstance(kid, str) or entry.get("alg", "RS256") != "RS256":
            continue
        if entry.get("use", "sig") != "sig":
            continue
        try:
            found[kid] = jwk.construct(dict(entry), "RS256")
        except Exception as exc:  # noqa: BLE001 - one unreadable key must not hide the others
            log.warning("ignoring unreadable JWKS key %r: %s", kid, exc)
    return found


class JwksCache:
    def __init__(
        self,
        fetch: JwksFetch,
        *,
        min_refresh_interval: float = 30.0,
        max_age: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._min_refresh_interval = min_refresh_interval
        self._max_age = max_age
        self._clock = clock
        self._keys: dict[str, Key] = {}
        self._loaded_at: float | None = None
        self._attempted_at: float | None = None
        self._generation = 0
        self._lock = asyncio.Lock()
        self.fetches = 0
        # Why the last fetch failed (None once one succeeds), and how many failed in a row.
        self.last_error: str | None = None
        self.failures = 0

    @property
    def loaded(self) -> bool:
        return self._loaded_at is not None

    async def ping(self) -> None:
        """Raise ``ServiceUnavailable`` with the cause while no key could ever be fetched (for ``/readyz``).

        Keys fetched before keep verifying when a later refresh fails: that is ready. Fetches a first set
        (at most once per ``min_refresh_interval``, like any refresh) when none is loaded yet."""
        if self._loaded_at is None:
            with contextlib.suppress(ServiceUnavailable):  # the cause is in last_error
                await self._refresh()
        if self._loaded_at is None:
            raise ServiceUnavailable(f"the token issuer's keys cannot be fetched: {self.last_error or 'not yet'}")

    async def key(self, kid: str) -> Key | None:
        """The key named ``kid``, or ``None`` when the issuer has no such key (after a refresh if allowed)."""
        now = self._clock()
        stale = self._loaded_at is None or now - self._loaded_at > self._max_age
        if kid in self._keys and not stale:
            return self._keys[kid]
        await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        seen = self._generation
        async with self._lock:
            if self._generation != seen:
                return  # another caller refreshed while this one waited: use its result
            now = self._clock()
            recently = self._attempted_at is not None and now - self._attempted_at < self._min_refresh_interval
            if recently:
                if self._loaded_at is None:
                    raise ServiceUnavailable("the token issuer's keys are unavailable")
                return
            self._attempted_at = now
            self.fetches += 1
            try:
                keys = parse_jwks(await self._fetch())
            except JwksUnavailable as exc:
                self._failed(exc)
                if self._loaded_at is None:
                    raise ServiceUnavailable("the token issuer's keys are unavailable") from exc
                return
            if self.failures:
                log.info("the token issuer's keys were fetched again after %d failed fetches", self.failures)
            self.last_error, self.failures = None, 0
            self._keys = keys
            self._loaded_at = self._clock()
            self._generation += 1

    def _failed(self, error: JwksUnavailable) -> None:
        self.last_error = str(error)
        self.failures += 1
        if self.failures > 1:
            log.debug("JWKS fetch failed again (%d in a row): %s", self.failures, error)
        elif self._loaded_at is None:
            log.error("the token issuer's keys could not be fetched; bearer tokens are refused: %s", error)
        else:
            log.error("JWKS refresh failed, keeping the %d keys fetched before: %s", len(self._keys), error)
