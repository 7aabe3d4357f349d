"""Opaque, tamper-evident pagination cursors.

A cursor carries the listing it belongs to (so one from a price-sorted list is refused on a title-sorted
one) and the position key, signed with keyed BLAKE2b under ``BFF_CURSOR_SECRET``. Anything that does not
verify is ``BAD_USER_INPUT``, never a crash or a query with attacker-chosen values. A cursor whose signature
verifies is still checked for shape (``[listing, value, key]``, the value a string, a 64-bit integer or a
number, the key a string) before anything unpacks it: whoever knows the secret (the development default is
public) can sign any payload.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

import orjson

from bff.errors import BadUserInput

_SIG_BYTES = 12
_INT64 = range(-(2**63), 2**63)

SortValue = str | int | float


class CursorCodec:
    def __init__(self, secret: bytes) -> None:
        # Keyed BLAKE2b is a MAC in its own right (no HMAC construction needed); its key is at most 64 bytes.
        self._key = hashlib.blake2b(secret, digest_size=64, person=b"bff-cursor").digest()

    def _sign(self, payload: bytes) -> bytes:
        # (hashlib keeps the GIL for short inputs; HMAC's one-shot releases it, a thread switch per cursor)
        return hashlib.blake2b(payload, key=self._key, digest_size=_SIG_BYTES).digest()

    def encode(self, listing: str, key: tuple[object, str]) -> str:
        payload = orjson.dumps([listing, key[0], key[1]])
        return base64.urlsafe_b64encode(self._sign(payload) + payload).decode().rstrip("=")

    def decode(self, cursor: str, listing: str, *, field: str = "after") -> tuple[SortValue, str]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (binascii.Error, ValueError):
            raise BadUserInput(f"{field}: invalid cursor", field=field) from None
        sig, payload = raw[:_SIG_BYTES], raw[_SIG_BYTES:]
        if not hmac.compare_digest(sig, self._sign(payload)):
            raise BadUserInput(f"{field}: invalid cursor", field=field)
        position = _position(payload)
        if position is None:
            raise BadUserInput(f"{field}: invalid cursor", field=field)
        got_listing, value, key = position
        if got_listing != listing:
            raise BadUserInput(f"{field}: cursor belongs to another listing or sort order", field=field)
        return value, key


def _position(payload: bytes) -> tuple[str, SortValue, str] | None:
    """``(listing, value, key)`` from a signed payload, or ``None`` when it is not one of the shape we sign."""
    try:
        decoded = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(decoded, list) or len(decoded) != 3:
        return None
    listing, value, key = decoded
    if not isinstance(listing, str) or not isinstance(key, str):
        return None
    # bool is an int to Python, not a sort value; an int past 64 bits overflows SQLite's parameters
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    if isinstance(value, int) and value not in _INT64:
        return None
    return listing, value, key


class Position:
    """An item's place in a listing, encoded into a cursor only when one is asked for (each costs a MAC)."""

    __slots__ = ("codec", "key", "listing")

    def __init__(self, codec: CursorCodec, listing: str, key: tuple[object, str]) -> None:
        self.codec = codec
        self.listing = listing
        self.key = key

    def cursor(self) -> str:
        return self.codec.encode(self.listing, self.key)
