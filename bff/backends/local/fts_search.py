"""``FtsProductSearch``: the embedded search engine, SQLite FTS5 in its own file in the data dir.

Its own file rather than the catalog's: the embedded index also serves a DynamoDB catalog, its writes
(a whole rebuild) never hold the catalog's write lock, and deleting it loses nothing (``bff reindex``).
Writes go through one connection on one worker thread; searches through a pool of read-only connections
(by default one per CPU, at most 4), so a slow search does not hold up the others and no search waits for
a write. A search that starts after a write has returned sees it. With ``readers=0`` searches share the
writer's thread and run one at a time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

from bff.backends.local import fts_schema
from bff.backends.local.fts_query import run_search
from bff.backends.local.fts_suggest import run_suggest
from bff.backends.local.fts_write import remove_documents, write_documents
from bff.backends.local.sqlite_readers import SqliteReaders, in_snapshot, reader_count
from bff.backends.local.sqlite_worker import SqliteWorker
from bff.domain.search import ReindexReport, SearchDocument, SearchRequest, SearchResult, Suggestions

T = TypeVar("T")
PRAGMAS = ("busy_timeout=10000", "temp_store=MEMORY")


class FtsProductSearch:
    """The ``ProductSearch`` port over SQLite FTS5 (BM25 ranking, prefixes, typo correction, facets)."""

    def __init__(self, worker: SqliteWorker, readers: SqliteReaders | None, path: Path) -> None:
        self._worker = worker
        self._run = worker.run
        self._readers = readers
        self._path = path

    @classmethod
    async def open(cls, path: Path, readers: int | None = None) -> FtsProductSearch:
        """Open (creating if need be) the index at ``path``, searched by ``readers`` connections."""
        worker = await SqliteWorker.open(path, "sqlite-search", PRAGMAS, fts_schema.create)
        size = reader_count() if readers is None else readers
        pool = SqliteReaders(path, size, "sqlite-search-read", PRAGMAS) if size else None
        return cls(worker, pool, path)

    async def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._readers is not None:
            return await self._readers.run(fn)
        return await self._run(lambda conn: in_snapshot(conn, fn))

    async def search(self, request: SearchRequest) -> SearchResult:
        return await self._read(lambda conn: run_search(conn, request))

    async def suggest(self, text: str, limit: int) -> Suggestions:
        products, categories, queries = await self._read(lambda conn: run_suggest(conn, text, limit))
        return Suggestions(product_ids=products, category_ids=categories, queries=queries)

    async def index_documents(self, documents: Sequence[SearchDocument]) -> None:
        if documents:
            await self._run(lambda conn: write_documents(conn, "", documents))

    async def remove_documents(self, product_ids: Sequence[str]) -> None:
        if product_ids:
            await self._run(lambda conn: remove_documents(conn, product_ids))

    async def rebuild(self, batches: AsyncIterable[Sequence[SearchDocument]]) -> ReindexReport:
        report = ReindexReport(index=str(self._path))

        def start(conn: sqlite3.Connection) -> None:
            fts_schema.drop(conn, fts_schema.NEXT)  # leftovers of a rebuild that died half way
            fts_schema.create(conn, fts_schema.NEXT)

        await self._run(start)
        try:
            async for batch in batches:
                failed = await self._run(lambda conn, b=batch: write_documents(conn, fts_schema.NEXT, b))  # type: ignore[misc]
                report.indexed += len(batch) - len(failed)
                report.failed.extend(failed)
        except BaseException:
            await self._run(lambda conn: fts_schema.drop(conn, fts_schema.NEXT))
            raise
        await self._run(fts_schema.swap_in_next)
        return report

    async def is_empty(self) -> bool:
        return await self._run(lambda conn: conn.execute("SELECT 1 FROM docs LIMIT 1").fetchone() is None)

    async def ping(self) -> None:
        await self._run(lambda conn: conn.execute("SELECT 1 FROM docs LIMIT 1").fetchall())

    async def close(self) -> None:
        if self._readers is not None:
            await self._readers.close()
        await self._worker.close()
