"""Tables of the embedded search index, created under a prefix so a rebuild can fill a fresh set.

``docs`` holds facet and sort values, ``fts`` the words (FTS5, porter stemming, BM25), ``ranked`` the words
shoppers name products by (title, brand, category texts) keyed in best-selling order (``fts_ranked``), so a
broad query reads its best sellers first and stops, ``doc_categories``
and ``doc_tags`` the many-valued filters, ``terms``/``term_grams`` the vocabulary that typo correction and
query completion look words up in, ``facet_counts`` the documents per facet value of every category subtree
and of the whole catalog (kept by each write, ``fts_facet_counts``), so a category page's filter sidebar
reads a few hundred rows instead of grouping its products.
A rebuild fills ``next_*`` and renames it over the live set in one
transaction: readers on other connections keep their snapshot (WAL) until the switch, then see the new one.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable

from bff.backends.local import fts_facet_counts, fts_ranked

TABLES = ("docs", "doc_categories", "doc_tags", "fts", "ranked", "terms", "term_grams", "facet_counts")
NEXT = "next_"


def _indexed(conn: sqlite3.Connection, table: str, leading: list[str]) -> bool:
    """Whether ``table`` has an index whose first columns are ``leading``."""
    for index in conn.execute(f"PRAGMA index_list({table})").fetchall():
        columns = [c[2] for c in conn.execute(f"PRAGMA index_info({index[1]})").fetchall()]
        if columns[: len(leading)] == leading:
            return True
    return False


def _add_category_prices(conn: sqlite3.Connection, prefix: str) -> None:
    """Give the category rows of an index of an earlier version their document's price."""
    if "price" in [c[1] for c in conn.execute(f"PRAGMA table_info({prefix}doc_categories)")]:
        return
    conn.execute(f"ALTER TABLE {prefix}doc_categories ADD COLUMN price REAL NOT NULL DEFAULT 0")
    conn.execute(f"UPDATE {prefix}doc_categories SET price = (SELECT price FROM {prefix}docs WHERE rowid = doc)")


def create(conn: sqlite3.Connection, prefix: str = "") -> None:
    """Create the set's tables and indexes that are missing (an index file of an earlier version gains them)."""
    conn.executescript(
        f"""
        CREATE TABLE IF NOT EXISTS {prefix}docs (
            rowid INTEGER PRIMARY KEY,
            product_id TEXT NOT NULL UNIQUE,
            vendor TEXT NOT NULL,
            product_type TEXT NOT NULL,
            category_id TEXT,
            price REAL NOT NULL,
            available INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            rank_key INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS {prefix}doc_categories (
            category_id TEXT NOT NULL, doc INTEGER NOT NULL, price REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (category_id, doc)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS {prefix}doc_tags (
            tag TEXT NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (tag, doc)
        ) WITHOUT ROWID;
        CREATE VIRTUAL TABLE IF NOT EXISTS {prefix}fts USING fts5(
            title, brand, category, description,
            tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3'
        );
        CREATE VIRTUAL TABLE IF NOT EXISTS {prefix}ranked USING fts5(
            title, brand, category,
            tokenize = 'porter unicode61 remove_diacritics 2', prefix = '1 2 3'
        );
        CREATE TABLE IF NOT EXISTS {prefix}terms (
            term TEXT PRIMARY KEY, df INTEGER NOT NULL, len INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS {prefix}term_grams (
            gram TEXT NOT NULL, term TEXT NOT NULL, PRIMARY KEY (gram, term)
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS {prefix}facet_counts (
            scope TEXT NOT NULL,
            category_id TEXT NOT NULL,
            product_type TEXT NOT NULL,
            vendor TEXT NOT NULL,
            available INTEGER NOT NULL,
            bucket INTEGER NOT NULL,
            hits INTEGER NOT NULL,
            PRIMARY KEY (scope, category_id, product_type, vendor, available, bucket)
        ) WITHOUT ROWID;
        """
    )
    # What follows reads the file before it writes: done under the write lock, so servers opening one
    # index at once (`bff serve --workers N`) each find what the first added instead of adding it again.
    conn.execute("BEGIN IMMEDIATE")
    try:
        _upgrade(conn, prefix)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _upgrade(conn: sqlite3.Connection, prefix: str) -> None:
    """Add what an index of an earlier version lacks (in the caller's transaction)."""
    _add_category_prices(conn, prefix)
    # Index names carry a random token: they keep their name through a rename, so each set needs its own.
    # Each is created once: the token differs on every call, so IF NOT EXISTS alone would add a copy per open.
    ix = f"ix_{secrets.token_hex(4)}"
    # A price cut is counted from the price indexes (``fts_facet_counts``): within a category by the price of
    # its rows, across the catalog by the documents' price index, which holds the facet values.
    for table, columns in (
        ("doc_categories", "doc"),
        ("doc_categories", "category_id, price"),
        ("doc_tags", "doc"),
        ("docs", "price, category_id, product_type, vendor, available"),
    ):
        names = [c.strip() for c in columns.split(",")]
        if not _indexed(conn, f"{prefix}{table}", names[:2]):
            conn.execute(f"CREATE INDEX {ix}_{table}_{'_'.join(names[:2])} ON {prefix}{table}({columns})")
    fill_if_missing(conn, prefix, "facet_counts", fts_facet_counts.fill)
    fill_if_missing(conn, prefix, "ranked", fts_ranked.fill)


def fill_if_missing(
    conn: sqlite3.Connection, prefix: str, table: str, fill: Callable[[sqlite3.Connection, str], None]
) -> None:
    """Fill ``table`` of a set written before it was kept (the table empty, documents present): what
    documents' writes keep up to date (facet counts, the best-selling order)."""
    if conn.execute(f"SELECT 1 FROM {prefix}{table} LIMIT 1").fetchone() is not None:
        return
    if conn.execute(f"SELECT 1 FROM {prefix}docs LIMIT 1").fetchone() is None:
        return
    fill(conn, prefix)


def drop(conn: sqlite3.Connection, prefix: str) -> None:
    for table in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {prefix}{table}")


def swap_in_next(conn: sqlite3.Connection) -> None:
    """Replace the live tables by the ``next_`` ones, atomically."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        fts_facet_counts.fill(conn, NEXT)
        drop(conn, "")
        for table in TABLES:
            conn.execute(f"ALTER TABLE {NEXT}{table} RENAME TO {table}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
