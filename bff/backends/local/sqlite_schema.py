"""SQLite schema of the embedded catalog, applied in order by ``PRAGMA user_version``."""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE categories (
        id TEXT PRIMARY KEY,
        handle TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        parent_id TEXT,
        ancestor_ids TEXT NOT NULL DEFAULT '[]',
        path TEXT NOT NULL DEFAULT '',
        image TEXT,
        position INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX categories_parent ON categories(parent_id, position, id);
    CREATE INDEX categories_path ON categories(path);
    CREATE TABLE products (
        id TEXT PRIMARY KEY,
        handle TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        title_sort TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        vendor TEXT NOT NULL DEFAULT '',
        product_type TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        category_id TEXT,
        images TEXT NOT NULL DEFAULT '[]',
        options TEXT NOT NULL DEFAULT '[]',
        currency TEXT NOT NULL,
        min_price TEXT,
        max_price TEXT,
        min_compare_at TEXT,
        max_compare_at TEXT,
        price_sort REAL NOT NULL DEFAULT 0,
        total_inventory INTEGER NOT NULL DEFAULT 0,
        sales_rank INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX products_category ON products(category_id);
    CREATE INDEX products_title ON products(title_sort, id);
    CREATE INDEX products_price ON products(price_sort, id);
    CREATE INDEX products_created ON products(created_at, id);
    CREATE INDEX products_updated ON products(updated_at, id);
    CREATE INDEX products_rank ON products(sales_rank, id);
    CREATE TABLE variants (
        id TEXT PRIMARY KEY,
        product_id TEXT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
        sku TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        position INTEGER NOT NULL DEFAULT 0,
        price TEXT NOT NULL,
        compare_at_price TEXT,
        currency TEXT NOT NULL,
        quantity_available INTEGER NOT NULL DEFAULT 0,
        selected_options TEXT NOT NULL DEFAULT '[]',
        image TEXT
    );
    CREATE INDEX variants_product ON variants(product_id, position);
    """,
    # 2: a version per product for conditional writes (existing products start at 0), and the catalog's
    # generation, moved by every write so other processes on the same file notice it (``catalog_watch``).
    """
    ALTER TABLE products ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE catalog_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO catalog_meta (name, value) VALUES ('generation', 0);
    """,
    # 3: stock apart from the variant (what imports and admins set, ``on_hand``, apart from what orders
    # ``reserved``), the products' availability flag in place of a stock total, and listener work that
    # failed and is still to be replayed (``bff.backends.catalog_events``).
    """
    CREATE TABLE stock (
        variant_id TEXT PRIMARY KEY,
        product_id TEXT NOT NULL,
        on_hand INTEGER NOT NULL DEFAULT 0,
        reserved INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX stock_product ON stock(product_id);
    INSERT INTO stock (variant_id, product_id, on_hand) SELECT id, product_id, quantity_available FROM variants;
    ALTER TABLE products ADD COLUMN available INTEGER NOT NULL DEFAULT 0;
    UPDATE products SET available = total_inventory > 0;
    CREATE TABLE pending_changes (
        listener TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        PRIMARY KEY (listener, kind, key)
    );
    """,
    # 4: listings read in an index's order per category (``sqlite_listing``): one index per sort, by category,
    # sort value and id, holding every filter column but tags, so a filter that skips rows never reads them
    # (the category index alone is a prefix of them). Counts with filters read one such index too.
    """
    DROP INDEX products_category;
    CREATE INDEX products_category_id ON products(category_id, id, available, price_sort, vendor, product_type);
    CREATE INDEX products_category_title
        ON products(category_id, title_sort, id, available, price_sort, vendor, product_type);
    CREATE INDEX products_category_price ON products(category_id, price_sort, id, available, vendor, product_type);
    CREATE INDEX products_category_created
        ON products(category_id, created_at, id, available, price_sort, vendor, product_type);
    CREATE INDEX products_category_updated
        ON products(category_id, updated_at, id, available, price_sort, vendor, product_type);
    CREATE INDEX products_category_rank
        ON products(category_id, sales_rank, id, available, price_sort, vendor, product_type);
    CREATE INDEX products_category_filters ON products(category_id, available, price_sort, vendor, product_type);
    """,
)


def _version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the file's schema up to date; each step runs in its own immediate transaction.

    Processes starting together on one file (``bff serve --workers N`` on a fresh data dir) each migrate it:
    a step another process applied between this one's reading the version and taking the write lock fails
    here (its table exists, its index is gone), and is then skipped once the version shows it applied.
    """
    while (version := _version(conn)) < len(MIGRATIONS):
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{MIGRATIONS[version]}\nPRAGMA user_version = {version + 1};\nCOMMIT;"
            )
        except sqlite3.OperationalError:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if _version(conn) <= version:
                raise
