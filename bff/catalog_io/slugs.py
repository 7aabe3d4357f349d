"""Handles: the URL slugs of products and categories (``classic-merino-crew-sweater``)."""

from __future__ import annotations

import re
import unicodedata

HANDLE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_HANDLE_LENGTH = 120
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, fallback: str = "item") -> str:
    """Lower-case ASCII words joined by ``-``; accents are folded (``Crème`` -> ``creme``)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = _NON_SLUG.sub("-", folded).strip("-")[:MAX_HANDLE_LENGTH].rstrip("-")
    return slug or fallback


def is_handle(text: str) -> bool:
    return len(text) <= MAX_HANDLE_LENGTH and HANDLE_PATTERN.match(text) is not None


def numbered(base: str, n: int) -> str:
    """The ``n``-th candidate for ``base``: ``base``, ``base-2``, ``base-3``..."""
    if n <= 1:
        return base
    suffix = f"-{n}"
    return base[: MAX_HANDLE_LENGTH - len(suffix)].rstrip("-") + suffix
