"""Products by handle: one `get_products_by_handle` call per batch."""

from __future__ import annotations

from typing import TypeAlias

from bff.backends.catalog import CatalogReader
from bff.domain.catalog import Product
from loaders.base import PortLoader

Key: TypeAlias = str
Result: TypeAlias = Product | None


class ProductByHandleLoader(PortLoader[Key, Result]):
    def __init__(self, store: CatalogReader) -> None:
        super().__init__(store.get_products_by_handle)
