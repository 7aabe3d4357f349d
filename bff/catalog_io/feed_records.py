"""A feed's records as read from the file, before validation, and the error for an unreadable feed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bff.catalog_io.feed_schema import Loc
from bff.errors import BadUserInput

SECTIONS = {"products": "product", "categories": "category", "discounts": "discount"}


class FeedError(BadUserInput):
    """The feed as a whole cannot be read (unknown format, syntax error, missing CSV columns)."""


@dataclass(slots=True)
class RawRecord:
    index: int  # position among the feed's records, from 0
    line: int | None  # the line the record starts on
    data: dict[str, Any] | None  # None when the record itself could not be parsed
    error: str | None = None
    kind: str | None = None  # "product" / "category" / "discount" when the file's structure says so
    locate: Callable[[Loc], int | None] | None = field(default=None, repr=False)
    rename: Callable[[Loc], Loc] | None = field(default=None, repr=False)  # native field -> the file's name
    source: str | None = None  # the file, when not the feed itself (categories.yaml beside products.yaml)

    def shown(self, loc: Loc) -> Loc:
        return self.rename(loc) if self.rename else loc

    def line_of(self, loc: Loc) -> int | None:
        """The line of a field inside the record (YAML, CSV), else the record's own."""
        found = self.locate(loc) if self.locate else None
        return found if found is not None else self.line


def make_record(index: int, line: int | None, data: object, kind: str | None) -> RawRecord:
    if not isinstance(data, dict):
        return RawRecord(index, line, None, f"expected an object, got {type(data).__name__}", kind)
    return RawRecord(index, line, data, None, kind)
