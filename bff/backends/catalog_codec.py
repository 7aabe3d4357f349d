"""A compact, versioned byte format for catalog objects in the shared cache.

A value is orjson of the dataclass's field values in declaration order (nested dataclasses as arrays too;
``Decimal`` as a string, ``datetime`` as ISO 8601, tuples as arrays). Field names are not stored: the
cache key carries :data:`CODEC_VERSION`, which includes a fingerprint of every cached class's fields and
their types, so adding, removing, reordering or retyping a field moves every key to a new namespace and an
old shape is never decoded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import types
import typing
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

import orjson

from bff.domain.catalog import Category, Product, Variant

T = TypeVar("T")

CACHED_TYPES: tuple[type, ...] = (Product, Variant, Category)
# Bump by hand for a change of encoding rules; field changes bump the fingerprint on their own.
FORMAT = 1


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [_plain(getattr(value, f.name)) for f in dataclasses.fields(value)]
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def encode(value: object) -> bytes:
    """``value`` (a cached dataclass, a list of them, or ``None``) as bytes."""
    return orjson.dumps(_plain(value))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _build(tp: Any, data: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if data is None:
            return None
        (inner,) = [a for a in typing.get_args(tp) if a is not type(None)]
        return _build(inner, data)
    if origin in (tuple, list):
        inner = typing.get_args(tp)[0]
        built = [_build(inner, d) for d in data]
        return tuple(built) if origin is tuple else built
    if tp is Decimal:
        return Decimal(data)
    if tp is datetime:
        return datetime.fromisoformat(data)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        fields = dataclasses.fields(tp)
        return tp(*(_build(hints[f.name], d) for f, d in zip(fields, data, strict=True)))
    return data


def decode(tp: Any, data: bytes) -> Any:
    """The value of type ``tp`` (``Product``, ``list[Variant]``, ``Product | None``...) encoded in ``data``."""
    return _build(tp, orjson.loads(data))


def _fingerprint() -> str:
    seen: list[str] = []

    def walk(cls: type) -> None:
        if cls.__name__ in seen:
            return
        seen.append(cls.__name__)
        hints = _hints(cls)
        seen.append(",".join(f"{f.name}:{hints[f.name]}" for f in dataclasses.fields(cls)))
        for hint in hints.values():
            for arg in (hint, *typing.get_args(hint), *(a for h in typing.get_args(hint) for a in typing.get_args(h))):
                if dataclasses.is_dataclass(arg) and isinstance(arg, type):
                    walk(arg)

    for cls in CACHED_TYPES:
        walk(cls)
    return hashlib.sha256(";".join(seen).encode()).hexdigest()[:8]


CODEC_VERSION = f"v{FORMAT}-{_fingerprint()}"
