"""Opaque global ids (Relay ``Node.id``): ``base64url("<Type>/<key>")`` with the padding dropped."""

from __future__ import annotations

import base64
import binascii

from bff.errors import BadUserInput

NODE_TYPES = frozenset({"Product", "ProductVariant", "Category"})


def to_global_id(type_name: str, key: str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}/{key}".encode()).decode().rstrip("=")


def from_global_id(global_id: str, expected: str | None = None, *, field: str = "id") -> tuple[str, str]:
    """``(type, key)`` of a global id; a malformed one, or one of another type, is the caller's error."""
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadUserInput(f"{field}: {global_id!r} is not a valid id", field=field) from None
    type_name, sep, key = raw.partition("/")
    if not sep or not key or type_name not in NODE_TYPES:
        raise BadUserInput(f"{field}: {global_id!r} is not a valid id", field=field)
    if expected is not None and type_name != expected:
        raise BadUserInput(f"{field}: expected a {expected} id, got a {type_name} id", field=field)
    return type_name, key
