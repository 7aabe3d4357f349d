"""Variants by id: one `get_variants` call per batch."""

from __future__ import annotations

from typing import TypeAlias

from bff.backends.catalog import CatalogReader
from bff.domain.catalog import Variant
from loaders.base import PortLoader

Key: TypeAlias = str
Result: TypeAlias = Variant | None


class VariantByIdLoader(PortLoader[Key, Result]):
    def __init__(self, store: CatalogReader) -> None:
        super().__init__(store.get_variants)
