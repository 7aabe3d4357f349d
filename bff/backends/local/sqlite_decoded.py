"""Objects decoded from catalog rows, remembered by the rows' whole content.

Decoding a product row (JSON columns, decimals, timestamps, a dozen frozen dataclasses) costs several times
what SQLite takes to find it, and a storefront reads the same hot products over and over. The key is every
column of the row, so a row that changed in any way (here or in another process writing the same file) is
decoded afresh: nothing needs invalidating, and a stale object cannot be served. The objects are frozen, so
sharing one between requests is safe. Bounded: past ``size`` rows the oldest remembered is forgotten.

Shared by the catalog's worker thread and the event loop's thread: every step is one dict operation
(atomic under the GIL), and losing a race costs at most a second decode or an early forgetting.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import suppress
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class DecodedRows(Generic[T]):
    """``decode(row)``, remembered for the ``size`` rows most recently first seen."""

    def __init__(self, decode: Callable[[sqlite3.Row], T], size: int) -> None:
        if size < 0:
            raise ValueError("size must not be negative")
        self._decode = decode
        self._size = size
        self._seen: dict[tuple[Any, ...], T] = {}
        self.decoded = 0  # rows decoded (not found remembered): what tests and benchmarks read

    def __call__(self, row: sqlite3.Row) -> T:
        key = tuple(row)
        found = self._seen.get(key)
        if found is None:
            found = self._decode(row)
            self.decoded += 1
            _keep(self._seen, self._size, key, found)
        return found


def _keep(seen: dict[tuple[Any, ...], T], size: int, key: tuple[Any, ...], value: T) -> None:
    """``seen[key] = value``, the oldest entry forgotten past ``size`` (0: nothing kept)."""
    if size:
        if len(seen) >= size:
            # The other thread may have emptied or resized it meanwhile.
            with suppress(StopIteration, RuntimeError):
                seen.pop(next(iter(seen)), None)
        seen[key] = value


# What tells one content of a product row from another: every write of a product moves its version, except
# the availability flag set when stock crosses zero (``sqlite_writes``), which is in the stamp itself.
STAMP = ("id", "version", "available")
STAMP_COLUMNS = ", ".join(STAMP)


class StampedProducts(Generic[T]):
    """Decoded products remembered by their row's stamp (``STAMP_COLUMNS``), so a read by key fetches the
    narrow stamp first and the whole row only for a stamp not seen: a hot product costs an index lookup,
    not its description and JSON columns. A row written since has another stamp and is read afresh;
    an old stamp is never asked again and leaves with the oldest. Bounded like ``DecodedRows``, and shared
    by threads the same way (one dict operation a step)."""

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError("size must not be negative")
        self._size = size
        self._seen: dict[tuple[Any, ...], T] = {}

    def get(self, stamp: tuple[Any, ...]) -> T | None:
        return self._seen.get(stamp)

    def remember(self, row: sqlite3.Row, value: T) -> T:
        """``value`` decoded from ``row``, remembered under the row's stamp; returns it."""
        _keep(self._seen, self._size, tuple(row[column] for column in STAMP), value)
        return value
