"""Writing search documents into the embedded index (live tables, or a ``next_`` set during a rebuild)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from bff.backends.local import fts_facet_counts, fts_ranked
from bff.backends.local.search_text import trigrams, words
from bff.domain.search import SearchDocument

NO_RANK = 2**31 - 1  # products nobody has bought yet sort after every ranked one
MIN_TERM = 3


def _vocabulary(doc: SearchDocument) -> set[str]:
    text = " ".join(
        [doc.title, doc.vendor, doc.product_type, doc.description, *doc.tags, *(t for _, t in doc.category_path)]
    )
    return {w for w in words(text) if len(w) >= MIN_TERM and w.isalpha()}


def _category_text(doc: SearchDocument) -> str:
    return " ".join([doc.product_type, *(title for _, title in doc.category_path), *doc.tags])


def _write_one(conn: sqlite3.Connection, p: str, doc: SearchDocument, counted: bool) -> None:
    if not doc.price.is_finite():
        raise ValueError(f"price {doc.price} is not a number")
    existing = conn.execute(f"SELECT rowid, rank_key FROM {p}docs WHERE product_id = ?", (doc.id,)).fetchone()
    values = (
        doc.vendor,
        doc.product_type,
        doc.category_id,
        float(doc.price),
        int(doc.available),
        doc.created_at.isoformat() if doc.created_at else "",
        doc.sales_rank if doc.sales_rank > 0 else NO_RANK,
    )
    if existing is None:
        cursor = conn.execute(
            f"INSERT INTO {p}docs (product_id, vendor, product_type, category_id, price, available, created_at, "
            "rank_key) VALUES (?,?,?,?,?,?,?,?)",
            (doc.id, *values),
        )
        rowid = int(cursor.lastrowid or 0)  # always set after an INSERT into a rowid table
    else:
        rowid = existing[0]
        fts_ranked.remove(conn, p, rowid, existing[1])
        if counted:
            fts_facet_counts.add(conn, p, rowid, -1)
        conn.execute(
            f"UPDATE {p}docs SET vendor=?, product_type=?, category_id=?, price=?, available=?, created_at=?, "
            "rank_key=? WHERE rowid=?",
            (*values, rowid),
        )
        _unlink(conn, p, rowid)
    conn.execute(
        f"INSERT INTO {p}fts (rowid, title, brand, category, description) VALUES (?,?,?,?,?)",
        (rowid, doc.title, doc.vendor, _category_text(doc), doc.description),
    )
    fts_ranked.put(conn, p, rowid, values[-1], (doc.title, doc.vendor, _category_text(doc)))
    conn.executemany(
        f"INSERT OR IGNORE INTO {p}doc_categories (category_id, doc, price) VALUES (?,?,?)",
        [(cid, rowid, float(doc.price)) for cid, _ in doc.category_path],
    )
    conn.executemany(f"INSERT OR IGNORE INTO {p}doc_tags (tag, doc) VALUES (?,?)", [(t, rowid) for t in doc.tags])
    if counted:
        fts_facet_counts.add(conn, p, rowid, 1)
    terms = _vocabulary(doc)
    # Document frequencies are exact after a rebuild; incremental updates only add new words.
    bump = "df = df + 1" if existing is None else "df = df"
    conn.executemany(
        f"INSERT INTO {p}terms (term, df, len) VALUES (?, 1, ?) ON CONFLICT(term) DO UPDATE SET {bump}",
        [(t, len(t)) for t in terms],
    )
    conn.executemany(
        f"INSERT OR IGNORE INTO {p}term_grams (gram, term) VALUES (?,?)",
        [(g, t) for t in terms for g in trigrams(t)],
    )


def _unlink(conn: sqlite3.Connection, p: str, rowid: int) -> None:
    conn.execute(f"DELETE FROM {p}fts WHERE rowid = ?", (rowid,))
    conn.execute(f"DELETE FROM {p}doc_categories WHERE doc = ?", (rowid,))
    conn.execute(f"DELETE FROM {p}doc_tags WHERE doc = ?", (rowid,))


def write_documents(conn: sqlite3.Connection, prefix: str, docs: Sequence[SearchDocument]) -> list[tuple[str, str]]:
    """Write ``docs`` in one transaction; a document that cannot be written is reported, not fatal.

    The live set's facet counts follow each document; a rebuild's ``next_`` set counts them all once filled.
    """
    counted = prefix == ""
    failed: list[tuple[str, str]] = []
    conn.execute("BEGIN IMMEDIATE")
    try:
        for doc in docs:
            conn.execute("SAVEPOINT doc")
            try:
                _write_one(conn, prefix, doc, counted)
                conn.execute("RELEASE doc")
            except (sqlite3.Error, ValueError, OverflowError) as exc:
                conn.execute("ROLLBACK TO doc")
                conn.execute("RELEASE doc")
                failed.append((doc.id, str(exc)))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return failed


def remove_documents(conn: sqlite3.Connection, product_ids: Sequence[str]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        for product_id in product_ids:
            row = conn.execute("SELECT rowid, rank_key FROM docs WHERE product_id = ?", (product_id,)).fetchone()
            if row is not None:
                fts_facet_counts.add(conn, "", row[0], -1)
                fts_ranked.remove(conn, "", row[0], row[1])
                _unlink(conn, "", row[0])
                conn.execute("DELETE FROM docs WHERE rowid = ?", (row[0],))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
