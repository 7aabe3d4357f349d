"""Tables of the embedded search index, created under a prefix so a rebuild can fill a fresh set.

``docs`` holds facet and sort values, ``fts`` the words (FTS5, porter stemming, BM25), ``doc_categories``
and ``doc_tags`` the many-valued filters, ``terms``/``term_grams`` the vocabulary that typo correction and
query completion look words up in. A rebuild fills ``next_*`` and renames it over the live set in one
transaction: readers on other connections keep their snapshot (WAL) until the switch, then see the new one.
"""

from __future__ import annotations

import secrets
import sqlite3

TABLES = ("docs", "doc_categories", "doc_tags", "fts", "terms", "term_grams")
NEXT = "next_"


def create(conn: sqlite3.Connection, prefix: str = "") -> None:
    # Index names carry a random token: they keep their name through a rename, so each set needs its own.
    ix = f"ix_{secrets.token_hex(4)}"
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
            category_id TEXT NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (category_id, doc)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS {ix}_cat_doc ON {prefix}doc_categories(doc);
        CREATE TABLE IF NOT EXISTS {prefix}doc_tags (
            tag TEXT NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (tag, doc)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS {ix}_tag_doc ON {prefix}doc_tags(doc);
        CREATE VIRTUAL TABLE IF NOT EXISTS {prefix}fts USING fts5(
            title, brand, category, description,
            tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3'
        );
        CREATE TABLE IF NOT EXISTS {prefix}terms (
            term TEXT PRIMARY KEY, df INTEGER NOT NULL, len INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS {prefix}term_grams (
            gram TEXT NOT NULL, term TEXT NOT NULL, PRIMARY KEY (gram, term)
        ) WITHOUT ROWID;
        """
    )


def drop(conn: sqlite3.Connection, prefix: str) -> None:
    for table in TABLES:
        conn.execute(f"DROP TABLE IF EXISTS {prefix}{table}")


def swap_in_next(conn: sqlite3.Connection) -> None:
    """Replace the live tables by the ``next_`` ones, atomically."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        drop(conn, "")
        for table in TABLES:
            conn.execute(f"ALTER TABLE {NEXT}{table} RENAME TO {table}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
