"""The named texts in best-selling order: bounded reads of a broad query's best matches.

FTS5 returns matches in rowid order and a ``LIMIT`` stops it early. ``ranked`` holds each document's title,
brand and category text (what shoppers name products by, as ``fts_query.NAMED_FIELDS``) under a rowid that
follows the sales rank: ``rank_key * 2**32 + doc`` (``docs.rowid`` below ``2**32``; ties, e.g. the products
nobody has bought yet, in the order they were indexed). So ``ORDER BY rowid LIMIT n`` reads the ``n``
best-selling matches of any query and no more, whatever the catalog's size. Its prefix index holds one-letter
starts too, so ``linen s`` does not merge the lists of every word starting with ``s``.

Every write of a document replaces its row (a new sales rank moves it) in the same transaction; a rebuild
writes its ``next_`` set; opening an index of an earlier version fills it from ``fts`` (``fts_schema.fill_if_missing``).
"""

from __future__ import annotations

import sqlite3
from typing import Any

SHIFT = 2**32
DOC_MASK = SHIFT - 1
# bm25() weights of the named texts: title, brand, category (as fts_query.BM25 weighs them).
BM25 = "bm25(ranked, 10.0, 5.0, 4.0)"


def key(rank_key: int, doc: int) -> int:
    """The ``ranked`` rowid of document ``doc`` with sales rank ``rank_key``."""
    return rank_key * SHIFT + doc


def put(conn: sqlite3.Connection, p: str, doc: int, rank_key: int, texts: tuple[str, str, str]) -> None:
    sql = f"INSERT INTO {p}ranked (rowid, title, brand, category) VALUES (?,?,?,?)"
    conn.execute(sql, (key(rank_key, doc), *texts))


def remove(conn: sqlite3.Connection, p: str, doc: int, rank_key: int) -> None:
    conn.execute(f"DELETE FROM {p}ranked WHERE rowid = ?", (key(rank_key, doc),))


def fill(conn: sqlite3.Connection, prefix: str) -> None:
    """Key every document of ``prefix`` by its sales rank (an index of an earlier version, when opened)."""
    conn.execute(
        f"INSERT INTO {prefix}ranked (rowid, title, brand, category) "
        f"SELECT d.rank_key * {SHIFT} + d.rowid, f.title, f.brand, f.category "
        f"FROM {prefix}docs d JOIN {prefix}fts f ON f.rowid = d.rowid"
    )


def head(match: str, size: int, columns: str = "", scored: bool = True) -> tuple[str, tuple[Any, ...]]:
    """SQL of the ``size`` best-selling documents matching ``match`` in their named texts, as ``h`` with ``doc``
    (``docs.rowid``), ``at`` (its ``ranked`` rowid), ``score`` (BM25 over the named texts, 0 unless ``scored``)
    and ``columns`` of ``ranked``; best sellers first."""
    extra = f", {columns}" if columns else ""
    score = BM25 if scored else "0.0"
    sql = (
        f"(SELECT rowid & {DOC_MASK} AS doc, rowid AS at, {score} AS score{extra} FROM ranked "
        "WHERE ranked MATCH ? ORDER BY rowid LIMIT ?) h"
    )
    return sql, (match, size)


def scores(conn: sqlite3.Connection, match: str, low: int, high: int, most: int) -> dict[int, float]:
    """BM25 over the named texts of the first ``most`` documents matching ``match`` whose ``ranked`` rowid is in
    ``[low, high]``, by rowid."""
    sql = f"SELECT rowid, {BM25} FROM ranked WHERE ranked MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid LIMIT ?"
    return dict(conn.execute(sql, (match, low, high, most)).fetchall())
