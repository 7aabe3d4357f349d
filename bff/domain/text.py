"""Text a storefront shows (titles, names, descriptions): which characters an admin or a feed may put there.

Control characters (Unicode category Cc: NUL, escape, bell...) and invisible formatting characters (Cf: the
zero-width space, bidi overrides that reverse what follows, soft hyphens, joiners) render as nothing or as
something else than what a shopper reads, and can make two titles look alike while they differ. Lone
surrogates (Cs) cannot even be stored or sent as UTF-8. A single-line text (a title, a name, a tag) may hold
none of them; a multi-line one (a description) may hold tabs and line breaks, and nothing else of them.
"""

from __future__ import annotations

import unicodedata

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
MULTILINE_WHITESPACE = frozenset("\t\n\r")


def hidden_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character of ``value`` a storefront must not show, named (``U+200B ZERO WIDTH SPACE``)."""
    if value.isprintable():  # no Cc, Cf or Cs (nor other separators): the common case, checked in C
        return None
    for char in value:
        if unicodedata.category(char) in REFUSED_CATEGORIES and not (multiline and char in MULTILINE_WHITESPACE):
            return f"U+{ord(char):04X} {unicodedata.name(char, 'CONTROL CHARACTER')}"
    return None


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` cannot be shown in a storefront, or ``None`` when it can."""
    found = hidden_character(value, multiline=multiline)
    if found is None:
        return None
    allowed = "; tabs and line breaks are allowed" if multiline else ""
    return f"must not contain control or invisible formatting characters (found {found}{allowed})"
