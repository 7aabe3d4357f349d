"""YAML feeds: composed into nodes first, so every field of a record can be traced back to its line."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from bff.catalog_io.feed_records import SECTIONS, FeedError, RawRecord, make_record
from bff.catalog_io.feed_schema import Loc

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FeedLoader(_BaseLoader):  # type: ignore[misc]
    """Safe loader whose floats are ``Decimal`` (from the text) and whose timestamps stay strings."""


def _decimal(loader: Any, node: yaml.ScalarNode) -> Decimal | str:
    text = str(loader.construct_scalar(node))
    try:
        return Decimal(text.replace("_", ""))
    except InvalidOperation:
        return text


_FeedLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
_FeedLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _node_locator(node: yaml.Node) -> Callable[[Loc], int | None]:
    def locate(loc: Loc) -> int | None:
        current = node
        for key in loc:
            if isinstance(current, yaml.MappingNode):
                matches = [v for k, v in current.value if getattr(k, "value", None) == str(key)]
                if not matches:
                    break
                current = matches[0]
            elif isinstance(current, yaml.SequenceNode) and isinstance(key, int) and key < len(current.value):
                current = current.value[key]
            else:
                break
        return int(current.start_mark.line) + 1

    return locate


def read_yaml(text: str) -> list[RawRecord]:
    loader = _FeedLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return []
        if isinstance(root, yaml.SequenceNode):
            sections: list[tuple[str | None, yaml.Node]] = [(None, root)]
        elif isinstance(root, yaml.MappingNode):
            sections = [(SECTIONS[k.value], v) for k, v in root.value if k.value in SECTIONS]
            sections.sort(key=lambda s: s[0] != "category")
        else:
            sections = []
        if not sections:
            raise FeedError("a YAML feed is a list of records or a mapping with products, categories and/or discounts")
        records: list[RawRecord] = []
        for kind, section in sections:
            if not isinstance(section, yaml.SequenceNode):
                raise FeedError(f"line {section.start_mark.line + 1}: expected a list of records")
            for item in section.value:
                data = loader.construct_document(item)
                record = make_record(len(records), item.start_mark.line + 1, data, kind)
                record.locate = _node_locator(item)
                records.append(record)
        return records
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise FeedError(f"invalid YAML{where}: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise FeedError(f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
