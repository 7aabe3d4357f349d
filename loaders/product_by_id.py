"""Products by id: one `get_products` call per batch."""

from __future__ import annotations

from typing import TypeAlias

from bff.backends.catalog import CatalogReader
from bff.domain.catalog import Product
from loaders.base import PortLoader

Key: TypeAlias = str
Result: TypeAlias = Product | None


class ProductByIdLoader(PortLoader[Key, Result]):
    def __init__(self, store: CatalogReader) -> None:
        super().__init__(store.get_products)
