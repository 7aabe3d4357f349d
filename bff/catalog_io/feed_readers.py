"""Reading a feed file into raw records, each with the line it starts on.

JSON lines and CSV know their lines natively; JSON is scanned element by element (``raw_decode``) so each
record still has its line; YAML is composed into nodes first so any field of a record can be located.
Numbers with a fraction become ``Decimal`` from their text, never through ``float``. A file that cannot be
parsed at all raises ``FeedError``; a single bad JSON line becomes a record with an ``error``.
"""

from __future__ import annotations

import bisect
import csv
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from bff.catalog_io.feed_csv import csv_column, read_csv
from bff.catalog_io.feed_discounts import is_discount_csv, read_discount_csv
from bff.catalog_io.feed_records import SECTIONS, FeedError, RawRecord, make_record
from bff.catalog_io.feed_yaml import read_yaml
from bff.errors import BadUserInput

FORMATS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".csv": "csv",
}
FORMAT_NAMES = {"jsonl", "ndjson", "json", "yaml", "yml", "csv", "retail-demo-store"}


def feed_format(path: Path, fmt: str | None) -> str:
    """``jsonl``, ``json``, ``yaml``, ``csv`` or ``retail-demo-store``, from ``fmt`` or the extension."""
    if fmt is not None:
        name = fmt.lower().lstrip(".")
        if name not in FORMAT_NAMES:
            raise FeedError(f"unknown feed format {fmt!r}; use one of {', '.join(sorted(FORMAT_NAMES))}")
        return {"ndjson": "jsonl", "yml": "yaml"}.get(name, name)
    if path.suffix.lower() in FORMATS:
        return FORMATS[path.suffix.lower()]
    raise FeedError(f"cannot tell the format of {path.name!r} from its extension; pass a format")


def read_records(path: Path, fmt: str) -> list[RawRecord]:
    """The records of a file in format ``fmt`` (``retail-demo-store`` files are YAML or JSON)."""
    if fmt == "retail-demo-store":
        fmt = {"json": "json", "jsonl": "jsonl"}.get(FORMATS.get(path.suffix.lower(), ""), "yaml")
    text = path.read_text(encoding="utf-8-sig")
    if fmt == "jsonl":
        return _read_jsonl(text)
    if fmt == "json":
        return _read_json(text)
    if fmt == "yaml":
        return read_yaml(text)
    try:
        if is_discount_csv(text):
            return read_discount_csv(text)
        records = read_csv(text)
    except csv.Error as exc:
        raise FeedError(f"invalid CSV: {exc}") from None
    except BadUserInput as exc:
        raise FeedError(exc.message) from None
    return [RawRecord(i, r.line, r.data, r.error, "product", r.locate, csv_column) for i, r in enumerate(records)]


# -- JSON lines / JSON -----------------------------------------------------------------------------


def _read_jsonl(text: str) -> list[RawRecord]:
    records: list[RawRecord] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            records.append(RawRecord(len(records), number, None, f"invalid JSON: {exc.msg} (column {exc.colno})"))
            continue
        records.append(make_record(len(records), number, data, None))
    return records


_SPACE = re.compile(r"[ \t\n\r]*")


class _JsonScanner:
    """Walks the top level of a JSON document, decoding one element at a time to keep its position."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.decoder = json.JSONDecoder(parse_float=Decimal)
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def line(self, pos: int) -> int:
        return bisect.bisect_left(self.newlines, pos) + 1

    def skip(self, pos: int) -> int:
        return _SPACE.match(self.text, pos).end()  # type: ignore[union-attr]  # matches the empty string

    def expect(self, pos: int, char: str) -> int:
        if self.text[pos : pos + 1] != char:
            raise json.JSONDecodeError(f"Expecting {char!r}", self.text, pos)
        return self.skip(pos + 1)

    def array(self, pos: int) -> tuple[list[tuple[int, Any]], int]:
        items: list[tuple[int, Any]] = []
        pos = self.expect(pos, "[")
        while self.text[pos : pos + 1] != "]":
            if items:
                pos = self.expect(pos, ",")
            value, end = self.decoder.raw_decode(self.text, pos)
            items.append((self.line(pos), value))
            pos = self.skip(end)
        return items, pos + 1

    def sections(self, pos: int) -> tuple[dict[str, list[tuple[int, Any]]], int]:
        """The ``products``, ``categories`` and ``discounts`` arrays of a top-level object; other members are
        skipped."""
        found: dict[str, list[tuple[int, Any]]] = {}
        pos, first = self.expect(pos, "{"), True
        while self.text[pos : pos + 1] != "}":
            if not first:
                pos = self.expect(pos, ",")
            first = False
            key, end = self.decoder.raw_decode(self.text, pos)
            if not isinstance(key, str):
                raise json.JSONDecodeError("Expecting property name", self.text, pos)
            pos = self.expect(self.skip(end), ":")
            if key in SECTIONS and self.text[pos : pos + 1] == "[":
                found[key], pos = self.array(pos)
            else:
                _, pos = self.decoder.raw_decode(self.text, pos)
            pos = self.skip(pos)
        return found, pos + 1


def _read_json(text: str) -> list[RawRecord]:
    scanner = _JsonScanner(text)
    try:
        start = scanner.skip(0)
        if text[start : start + 1] == "[":
            items, end = scanner.array(start)
            sections = {"": items}
        else:
            sections, end = scanner.sections(start)
        if scanner.skip(end) != len(text):
            raise json.JSONDecodeError("Extra data", text, scanner.skip(end))
    except json.JSONDecodeError as exc:
        raise FeedError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    if not sections:
        raise FeedError(
            'a JSON feed is an array of records or an object with "products", "categories" and/or "discounts"'
        )
    records: list[RawRecord] = []
    for key in ("", "categories", "products", "discounts"):
        for line, data in sections.get(key, []):
            records.append(make_record(len(records), line, data, SECTIONS.get(key)))
    return records
