"""As-you-type suggestions from the embedded index: products, categories and completed queries.

The query is planned like a search with the last word as a prefix, corrected as a prefix when nothing starts
with it (``fts_query.plan``). Then:

- products: the best matches by BM25 with field weights;
- categories: those of products that match in a title, brand or category text. A word only descriptions use
  ("family-run workshops" for ``run``) says nothing about what a product is;
- queries: the typed words with the last one completed by the words the best matches' titles (then
  category texts) hold, counted per product, so ``linen s`` offers "linen shirt" before "linen soft".
  Only when no title or category word completes it does the vocabulary (descriptions too) offer words.
"""

from __future__ import annotations

import sqlite3
from collections import Counter

from bff.backends.local.fts_query import BM25, NAMED_FIELDS, plan
from bff.backends.local.search_text import query_terms, words

# The best matches whose words complete the query; a bound on the work whatever the catalog's size.
COMPLETION_SOURCES = 100


def _completions(rows: list[tuple[int, str, str]], head: list[str], last: str) -> Counter[str]:
    """Words starting with ``last``, scored per matching product: title words over category words."""
    scores: Counter[str] = Counter()
    for _, title, category in rows:
        title_words = words(title)
        found = {w for w in title_words if w.startswith(last) and w not in head}
        for word in found:
            scores[word] += 2
            # The phrase as the title spells it ("... linen shirt ...") is what a shopper is typing.
            at = title_words.index(word)
            if head and at > 0 and title_words[at - 1] == head[-1]:
                scores[word] += 1
        for word in {w for w in words(category) if w.startswith(last) and w not in head} - found:
            scores[word] += 1
    return scores


def run_suggest(conn: sqlite3.Connection, text: str, limit: int) -> tuple[list[str], list[str], list[str]]:
    terms = query_terms(text)
    if not terms:
        return [], [], []
    p = plan(conn, terms, prefix_last=True)
    match = " AND ".join(p.expressions)
    best = conn.execute(
        f"SELECT d.product_id, d.rowid FROM (SELECT rowid, {BM25} AS score FROM fts WHERE fts MATCH ?) h "
        "CROSS JOIN docs d ON d.rowid = h.rowid ORDER BY h.score, d.rank_key, d.rowid LIMIT ?",
        (match, max(limit, COMPLETION_SOURCES)),
    ).fetchall()
    if not best:
        return [], [], []
    products = [r[0] for r in best[:limit]]
    # The texts of the best matches only: reading every match's text would cost as much as the catalog.
    rowids = [r[1] for r in best]
    rows = conn.execute(
        f"SELECT rowid, title, category FROM fts WHERE rowid IN ({','.join('?' * len(rowids))})", rowids
    ).fetchall()
    categories = [
        r[0]
        for r in conn.execute(
            "SELECT d.category_id, COUNT(*) AS n FROM (SELECT rowid FROM fts WHERE fts MATCH ?) h "
            "CROSS JOIN docs d ON d.rowid = h.rowid WHERE d.category_id IS NOT NULL "
            "GROUP BY d.category_id ORDER BY n DESC, d.category_id LIMIT ?",
            (f"{NAMED_FIELDS} : ({match})", limit),
        )
    ]
    head, last = p.words[:-1], p.words[-1]
    scored = _completions(rows, head, last)
    completed = [w for w, _ in sorted(scored.items(), key=lambda item: (-item[1], len(item[0]), item[0]))]
    if not completed:
        completed = [
            r[0]
            for r in conn.execute(
                "SELECT term FROM terms WHERE term >= ? AND term < ? ORDER BY df DESC, term LIMIT ?",
                (last, last + "\uffff", limit),
            )
        ]
    queries = [" ".join([*head, word]) for word in completed[:limit]]
    return products, categories, queries
