"""What the catalog's read-through remembers in process: decoded cache values and product ids by handle.

``DecodedValues``: decoding a cached product (orjson, then a dozen frozen dataclasses, decimals, timestamps)
costs more than the cache read it follows, and a storefront reads the same hot products over and over. A
value is remembered by its encoded bytes, so a changed entry is decoded afresh and nothing needs
invalidating; the objects are frozen, and a list is handed out as a copy, so sharing them between requests
is safe.

``HandleIds``: a product page names its product by handle, and handles rarely change. The read-through
remembers which product id a handle led to and reads that product by id through the shared cache; every
use is checked against the product read (its handle must still be the one asked for), so an entry left
stale by a write elsewhere costs one store read by handle, never a wrong product. Catalog writes through
this process drop the entries of the products they touch.

Both are bounded by a number of entries: past it, the entry first remembered is forgotten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

_MISSING: Any = object()


class DecodedValues:
    """``decode(raw)``, remembered for the ``size`` values most recently first seen."""

    def __init__(self, decode: Callable[[bytes], Any], size: int) -> None:
        if size < 0:
            raise ValueError("size must not be negative")
        self._decode = decode
        self._size = size
        self._seen: dict[bytes, Any] = {}
        self.decoded = 0  # values decoded (not found remembered): what tests read

    def __call__(self, raw: bytes) -> Any:
        found = self._seen.get(raw, _MISSING)
        if found is _MISSING:
            found = self._decode(raw)
            self.decoded += 1
            if self._size:
                if len(self._seen) >= self._size:
                    self._seen.pop(next(iter(self._seen)))
                self._seen[raw] = found
        return list(found) if isinstance(found, list) else found


class HandleIds:
    """Product ids by handle, at most ``size`` of them."""

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError("size must not be negative")
        self._size = size
        self._ids: dict[str, str] = {}
        self._handles: dict[str, str] = {}  # the other way, to forget a product's entry when it changes

    def get(self, handle: str) -> str | None:
        return self._ids.get(handle)

    def remember(self, handle: str, product_id: str) -> None:
        if not self._size:
            return
        self.forget_handles([handle])
        self.forget_products([product_id])
        if len(self._ids) >= self._size:
            oldest = next(iter(self._ids))
            self._handles.pop(self._ids.pop(oldest), None)
        self._ids[handle] = product_id
        self._handles[product_id] = handle

    def forget_handles(self, handles: Iterable[str]) -> None:
        for handle in handles:
            product_id = self._ids.pop(handle, None)
            if product_id is not None:
                self._handles.pop(product_id, None)

    def forget_products(self, product_ids: Iterable[str]) -> None:
        for product_id in product_ids:
            handle = self._handles.pop(product_id, None)
            if handle is not None:
                self._ids.pop(handle, None)

    def clear(self) -> None:
        self._ids.clear()
        self._handles.clear()

    def __len__(self) -> int:
        return len(self._ids)
