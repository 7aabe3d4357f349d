"""All variants of each product, in display order: one call per batch."""

from __future__ import annotations

from typing import TypeAlias

from bff.backends.catalog import CatalogReader
from bff.domain.catalog import Variant
from loaders.base import PortLoader

Key: TypeAlias = str
Result: TypeAlias = list[Variant]


class VariantsByProductLoader(PortLoader[Key, Result]):
    def __init__(self, store: CatalogReader) -> None:
        super().__init__(store.get_variants_by_product)
