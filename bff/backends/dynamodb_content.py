"""``DynamoContentStore``: pages, menus and curated collections in the single table (``docs/data-model.md``,
access pattern 22): ``pk=CONTENT#<kind>``, ``sk=<handle>``, the stored form as JSON in ``data``.

By handle: one BatchGetItem per 100 handles; a listing is one Query of the kind's partition from a handle on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import orjson

from bff.backends import dynamodb_schema as s
from bff.backends.content import MAX_LIST
from bff.backends.dynamodb_config import DynamoTableStore
from bff.domain.content import ContentItem, ContentKind, kind_of
from bff.domain.content_records import content_from_dict, content_to_dict

CONTENT = "CONTENT"


def content_key(kind: ContentKind, handle: str) -> dict[str, str]:
    return {s.PK: f"{CONTENT}#{kind.value}", s.SK: handle}


def _decode(item: dict[str, Any]) -> ContentItem:
    return content_from_dict(orjson.loads(item["data"]))


class DynamoContentStore(DynamoTableStore):
    capability: ClassVar[str] = "content"

    async def get_items(self, kind: ContentKind, handles: Sequence[str]) -> list[ContentItem | None]:
        if not handles:
            return []
        found = await self.requests.batch_get([content_key(kind, h) for h in handles])
        pk = f"{CONTENT}#{kind.value}"
        return [_decode(found[(pk, h)]) if (pk, h) in found else None for h in handles]

    async def list_items(self, kind: ContentKind, after: str | None, limit: int) -> list[ContentItem]:
        limit = max(0, min(limit, MAX_LIST))
        if limit == 0:
            return []
        names = {"#pk": s.PK}
        values: dict[str, Any] = {":pk": {"S": f"{CONTENT}#{kind.value}"}}
        condition = "#pk = :pk"
        if after:
            names["#sk"] = s.SK
            values[":after"] = {"S": after}
            condition += " AND #sk > :after"
        request = {
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "Limit": limit,
        }
        items: list[ContentItem] = []
        async for page in self.requests.query_pages(request):
            items += [_decode({"data": w["data"]["S"]}) for w in page.get("Items", [])]
            if len(items) >= limit:
                break
        return items[:limit]

    async def count_items(self, kind: ContentKind) -> int:
        request = {
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": s.PK},
            "ExpressionAttributeValues": {":pk": {"S": f"{CONTENT}#{kind.value}"}},
            "Select": "COUNT",
        }
        total = 0
        async for page in self.requests.query_pages(request):
            total += int(page.get("Count", 0))
        return total

    async def upsert_items(self, items: Sequence[ContentItem]) -> None:
        latest = {(kind_of(i), i.handle): i for i in items}
        puts = [
            {**content_key(kind, handle), "data": orjson.dumps(content_to_dict(item)).decode()}
            for (kind, handle), item in latest.items()
        ]
        await self.requests.batch_write(puts)
