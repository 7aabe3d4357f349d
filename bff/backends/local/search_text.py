"""Words for the embedded search engine: tokens, stopwords, typo distance and trigram keys."""

from __future__ import annotations

import re
import unicodedata

MAX_TERMS = 12
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?", re.UNICODE)
# The stopwords of OpenSearch's `english` analyzer (Lucene's list) plus a few storefront fillers.
_STOPWORD_TEXT = """
a an and are as at be but by for from has have i if in into is it its of on or our so such than that the their
then there these they this to was we were what when where which while who will with you your
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def fold(text: str) -> str:
    """Lower case without accents, as the FTS5 ``unicode61 remove_diacritics 2`` tokenizer sees it."""
    if text.isascii():  # most texts: nothing to decompose, and ASCII case-folds as it lower-cases
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return [w.replace("'", "") for w in WORD.findall(fold(text))]


def query_terms(text: str) -> list[str]:
    """The words of a query worth searching for: stopwords dropped, at most ``MAX_TERMS``."""
    return [w for w in words(text) if w not in STOPWORDS][:MAX_TERMS]


def max_edits(term: str) -> int:
    """OpenSearch's ``fuzziness: AUTO:5,6``: 0 edits up to 4 letters, 1 for 5, 2 beyond.

    Stricter than plain ``AUTO`` (1 edit from 3 letters) on short words, where one edit most often lands on
    another real word: "café" is not a misspelt "care" or "case".
    """
    return 0 if len(term) <= 4 else 1 if len(term) == 5 else 2


def trigrams(term: str) -> set[str]:
    padded = f"^{term}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent swaps count once), giving up past ``limit`` (returns ``limit + 1``)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return prev[-1]
