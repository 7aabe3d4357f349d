"""Which option-value combinations a product's variants cover, in Shopify's compact encoding (``v1_``).

Storefronts (Hydrogen's ``decodeEncodedVariant``) read ``Product.encodedVariantExistence`` and
``encodedVariantAvailability`` to grey out combinations that do not exist or cannot be bought, without
loading every variant. A combination is the tuple of each option's value position (``[0, 2]``: the first
option's first value, the second option's third). The tuples, sorted, are written as a trie: ``:`` goes one
option down, ``,`` closes a prefix, the last option's positions are separated by `` `` and runs of them
written ``a-b``. ``[[0,0],[0,1],[0,2],[1,1]]`` is ``v1_0:0-2,1:1,``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import groupby

from bff.domain import catalog as domain

VERSION = "v1_"


def combinations(product: domain.Product, variants: Iterable[domain.Variant]) -> list[tuple[int, ...]]:
    """Each variant's value positions, in option order; a variant whose values the options do not list is
    left out."""
    positions = [{value: i for i, value in enumerate(option.values)} for option in product.options]
    found: set[tuple[int, ...]] = set()
    for variant in variants:
        chosen = {o.name: o.value for o in variant.selected_options}
        try:
            found.add(tuple(positions[i][chosen[o.name]] for i, o in enumerate(product.options)))
        except KeyError:
            continue
    return sorted(found)


def _runs(values: Sequence[int]) -> str:
    parts: list[str] = []
    start = previous = values[0]
    for value in [*values[1:], None]:
        if value is not None and value == previous + 1:
            previous = value
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if value is not None:
            start = previous = value
    return " ".join(parts)


def _trie(tuples: Sequence[tuple[int, ...]]) -> str:
    if len(tuples[0]) == 1:
        return _runs([t[0] for t in tuples]) + ","
    groups = groupby(tuples, key=lambda t: t[0])
    return "".join(f"{head}:{_trie([t[1:] for t in rest])}" for head, rest in groups) + ","


def encode(tuples: Sequence[tuple[int, ...]]) -> str:
    """The encoding of sorted, distinct, equally long tuples ("" for none)."""
    if not tuples or not tuples[0]:
        return ""
    encoded = _trie(tuples)
    # The outermost prefix needs no closing when there is more than one option (Shopify's own output).
    return VERSION + (encoded[:-1] if len(tuples[0]) > 1 else encoded)
