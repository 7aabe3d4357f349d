"""Pages, menus or curated collections by handle: one content-store call per batch, one loader per kind."""

from __future__ import annotations

from functools import partial
from typing import TypeAlias

from bff.backends.content import ContentStore
from bff.domain.content import ContentItem, ContentKind
from loaders.base import PortLoader

Key: TypeAlias = str
Result: TypeAlias = ContentItem | None


class ContentByHandleLoader(PortLoader[Key, Result]):
    def __init__(self, store: ContentStore, kind: ContentKind) -> None:
        super().__init__(partial(store.get_items, kind))
