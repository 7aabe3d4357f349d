"""As-you-type suggestions from the embedded index: products, categories and completed queries.

The query is planned like a search with the last word as a prefix, corrected as a prefix when nothing starts
with it (``fts_query.plan``). The work is bounded whatever the catalog's size or the number of matches: only the
``HEAD`` best-selling products matching in a title, brand or category text are read (``fts_ranked``, as
OpenSearch's completion suggester ranks by weight rather than by relevance to the typed letters). Then:

- products: the best of those by BM25 over the named texts, ties to the better seller (a one-letter last word
  filters but does not score: in most documents, it weighs next to nothing);
- categories: the commonest among those products. A word only descriptions use ("family-run workshops" for
  ``run``) says nothing about what a product is; in a broad query (``wo``) these are the categories of its
  best sellers, an estimate of where most matches are;
- queries: the typed words with the last one completed by the words the best matches' titles (then
  category texts) hold, counted per product, so ``linen s`` offers "linen shirt" before "linen soft".
  Only when no title or category word completes it does the vocabulary (descriptions too) offer words.

When no title, brand or category text matches, the products are the best by BM25 of the first ``HEAD``
documents whose description matches (in index order), and no category is suggested.
"""

from __future__ import annotations

import sqlite3
from collections import Counter

from bff.backends.local import fts_ranked
from bff.backends.local.fts_query import BM25, plan
from bff.backends.local.search_text import query_terms, words

# Best-selling matches read per suggestion (their words complete the query), and the most documents scored
# for them when a one-letter word is left out of the score.
HEAD = 100
SCORED = 10 * HEAD


def _completions(rows: list[tuple[str, str]], head: list[str], last: str) -> Counter[str]:
    """Words starting with ``last``, scored per matching product: title words over category words."""
    scores: Counter[str] = Counter()
    for title, category in rows:
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


def _described(conn: sqlite3.Connection, match: str, limit: int) -> list[str]:
    """Products whose description alone matches: the best by BM25 of the first ``HEAD`` in index order."""
    rows = conn.execute(
        f"SELECT d.product_id FROM (SELECT rowid, {BM25} AS score FROM fts WHERE fts MATCH ? LIMIT ?) h "
        "CROSS JOIN docs d ON d.rowid = h.rowid ORDER BY h.score, d.rank_key, d.rowid LIMIT ?",
        (match, HEAD, limit),
    )
    return [r[0] for r in rows]


def run_suggest(conn: sqlite3.Connection, text: str, limit: int) -> tuple[list[str], list[str], list[str]]:
    terms = query_terms(text)
    if not terms:
        return [], [], []
    p = plan(conn, terms, prefix_last=True)
    match = " AND ".join(p.expressions)
    # A one-letter start is in most documents: it adds next to nothing to BM25, but computing its weight reads
    # all of them. It filters; the other words score, over the best sellers' rowid range only (at most
    # ``SCORED`` documents: past them a best seller scores 0 and follows the scored ones).
    letter = len(p.words[-1]) == 1
    source, args = fts_ranked.head(match, max(HEAD, limit), "title, category", scored=not letter)
    rows = conn.execute(
        f"SELECT h.score, h.at, d.product_id, d.category_id, h.title, h.category FROM {source} "
        "CROSS JOIN docs d ON d.rowid = h.doc",
        args,
    ).fetchall()
    if letter and len(p.expressions) > 1 and rows:
        ats = [r[1] for r in rows]
        scores = fts_ranked.scores(conn, " AND ".join(p.expressions[:-1]), min(ats), max(ats), SCORED)
        rows = [(scores.get(r[1], 0.0), *r[1:]) for r in rows]
    best = sorted(rows, key=lambda r: (r[0], r[1]))
    products = [r[2] for r in best[:limit]] if best else _described(conn, match, limit)
    if not products:
        return [], [], []
    counts = Counter(r[3] for r in rows if r[3] is not None)
    categories = [c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]
    head, last = p.words[:-1], p.words[-1]
    scored = _completions([(r[4], r[5]) for r in best], head, last)
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
