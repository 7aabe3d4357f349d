"""Categories by handle: one call per batch."""

from __future__ import annotations

from typing import TypeAlias

from bff.backends.catalog import CatalogReader
from bff.domain.catalog import Category
from loaders.base import PortLoader

Key: TypeAlias = str
Result: TypeAlias = Category | None


class CategoryByHandleLoader(PortLoader[Key, Result]):
    def __init__(self, store: CatalogReader) -> None:
        super().__init__(store.get_categories_by_handle)
