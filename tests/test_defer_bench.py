"""``make bench``'s deferred home: a short run on a tiny catalog, checked for shape and answers, not speed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import report, runner
from bench.incremental import merged, multipart_payloads


def test_the_multipart_reader_splits_and_merges_parts() -> None:
    head = b"Content-Type: application/json; charset=utf-8\r\n\r\n"
    body = (
        b"\r\n---\r\n"
        + head
        + b'{"data":{"a":{"b":1}},"hasNext":true}\r\n---\r\n'
        + head
        + b'{"incremental":[{"data":{"c":2},"path":["a"]}],"hasNext":false}\r\n-----\r\n'
    )
    parts = multipart_payloads(body)
    assert [p["hasNext"] for p in parts] == [True, False]
    assert merged(parts) == {"a": {"b": 1, "c": 2}}


@pytest.mark.slow
async def test_a_short_run_times_both_documents(tmp_path: Path) -> None:
    options = runner.Options(
        catalogs=("generated",), products=40, targets=("bff",), quick=True, incremental=True, generator="asyncio"
    )
    result = await runner.run(options, [])
    written = report.write(result, tmp_path)

    (catalog,) = result["catalogs"]
    measured = catalog["incremental"]
    assert measured["problem"] == "" and measured["parts"] == 2 and measured["same_data"] is True
    for name in ("deferred", "plain"):
        row = measured[name]
        assert row["requests"] == 10
        assert 0 < row["first_part_ms"]["p50"] <= row["whole_ms"]["p50"]
    # Without @defer the first byte is the whole answer.
    assert measured["plain"]["first_part_ms"] == measured["plain"]["whole_ms"]
    text = written.read_text()
    assert "Home with deferred recommendations" in text and "first part p50" in text
