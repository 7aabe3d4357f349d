"""``bff import --content FILE``: a content feed into the content store (docs/content.md, "Content feed").

A feed is JSON Lines, a JSON array or a YAML list of items, each with a ``type`` (``page``, ``menu`` or
``collection``) and a ``handle``, in their stored form (``bff.domain.content_records``). Good records land;
each rejected one is reported with its record number and reason, and nothing about it is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bff.backends.content import ContentStore
from bff.domain.content import ContentItem, ContentKind, kind_of
from bff.domain.content_records import content_from_dict
from bff.services.stores_feed import read_records

BATCH = 100


@dataclass(slots=True)
class ContentImportReport:
    imported: dict[ContentKind, int] = field(default_factory=dict)
    rejected: list[tuple[int, str]] = field(default_factory=list)

    def __str__(self) -> str:
        counts = ", ".join(f"{self.imported.get(kind, 0)} {kind.value}s" for kind in ContentKind)
        lines = [f"imported {counts}; {len(self.rejected)} rejected"]
        lines += [f"  record {number}: {reason}" for number, reason in self.rejected[:50]]
        if len(self.rejected) > 50:
            lines.append(f"  ... and {len(self.rejected) - 50} more")
        return "\n".join(lines)


def parse_content(records: list[tuple[int, object]]) -> tuple[list[ContentItem], list[tuple[int, str]]]:
    items: dict[tuple[ContentKind, str], ContentItem] = {}
    rejected: list[tuple[int, str]] = []
    for number, record in records:
        if not isinstance(record, Mapping):
            rejected.append((number, record if isinstance(record, str) else "a content item is an object"))
            continue
        try:
            item = content_from_dict(record)
        except (ValueError, TypeError) as error:
            rejected.append((number, str(error)))
            continue
        items[(kind_of(item), item.handle)] = item  # a later record of the same handle wins
    return list(items.values()), rejected


async def import_content(store: ContentStore, path: Path) -> ContentImportReport:
    try:
        records = read_records(path)
    except (ValueError, yaml.YAMLError) as error:
        return ContentImportReport(rejected=[(0, f"unreadable feed: {error}")])
    items, rejected = parse_content(records)
    for start in range(0, len(items), BATCH):
        await store.upsert_items(items[start : start + BATCH])
    report = ContentImportReport(rejected=rejected)
    for item in items:
        kind = kind_of(item)
        report.imported[kind] = report.imported.get(kind, 0) + 1
    return report
