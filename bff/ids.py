"""Opaque global ids (Relay ``Node.id``): ``base64url("<Type>/<key>")`` with the padding dropped."""

from __future__ import annotations

import base64
import binascii

from bff.errors import BadUserInput

NODE_TYPES = frozenset({"Product", "ProductVariant", "Category", "Cart", "CartLine", "Order", "Collection", "Page"})
# Longer than any id the app makes by far; a longer one is refused before it is decoded.
MAX_ID_CHARS = 1024
# How much of a bad id an error message repeats: a client chose it, and its size.
SHOWN_CHARS = 64


def to_global_id(type_name: str, key: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}/{key}".encode()).decode().rstrip("=")


def from_global_id(global_id: str, expected: str | None = None, *, field: str = "id") -> tuple[str, str]:
    """``(type, key)`` of a global id; a malformed one, or one of another type, is the caller's error."""
    if len(global_id) > MAX_ID_CHARS:
        raise BadUserInput(f"{field}: not a valid id (longer than {MAX_ID_CHARS} characters)", field=field)
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadUserInput(f"{field}: {_shown(global_id)} is not a valid id", field=field) from None
    type_name, sep, key = raw.partition("/")
    if not sep or not key or type_name not in NODE_TYPES:
        raise BadUserInput(f"{field}: {_shown(global_id)} is not a valid id", field=field)
    if expected is not None and type_name != expected:
        raise BadUserInput(f"{field}: expected a {expected} id, got a {type_name} id", field=field)
    return type_name, key


def _shown(global_id: str) -> str:
    if len(global_id) <= SHOWN_CHARS:
        return repr(global_id)
    return repr(global_id[:SHOWN_CHARS]) + f"… ({len(global_id)} characters)"
