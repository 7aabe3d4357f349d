"""The children of each category, in display order: one call per batch."""

from __future__ import annotations

from typing import TypeAlias

from bff.backends.catalog import CatalogReader
from bff.domain.catalog import Category
from loaders.base import PortLoader

Key: TypeAlias = str
Result: TypeAlias = list[Category]


class ChildCategoriesLoader(PortLoader[Key, Result]):
    def __init__(self, store: CatalogReader) -> None:
        super().__init__(store.get_child_categories)
