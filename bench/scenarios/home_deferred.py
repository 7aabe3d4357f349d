"""Home with deferred recommendations: the home document's grid (24 best sellers) at once, its 8 "for you"
recommendations as a second part (``...ForYou @defer``), read as Apollo Client reads it (multipart/mixed).

Not a throughput scenario (no ``scenario`` here): ``bench.incremental`` times, per request, the first part
against the whole response, beside the same document without ``@defer``, against a BFF whose recommender
answers late (``BFF_RECOMMENDER_DELAY_SECONDS``): the slow service a storefront's first paint should not wait for.
"""

from __future__ import annotations

from typing import Any

from bench.scenarios.home import CATALOG_DOCUMENT

NAME = "home_deferred"
# The recommender's added latency: a slow personalisation service beside a fast catalog.
RECOMMENDER_DELAY_SECONDS = 0.25

_FOR_YOU_FIELD = CATALOG_DOCUMENT[CATALOG_DOCUMENT.index("  forYou:") : CATALOG_DOCUMENT.index("  products(")]
_GRID = CATALOG_DOCUMENT.replace(_FOR_YOU_FIELD, "")

DOCUMENT = (
    _GRID.replace("query Home(", "query HomeDeferred(").removesuffix("}")
    + '  ...ForYou @defer(label: "forYou")\n}\n'
    + "fragment ForYou on Query {\n"
    + _FOR_YOU_FIELD
    + "}"
)
OPERATION_NAME = "HomeDeferred"
VARIABLES: dict[str, Any] = {"first": 24}
PLAIN_DOCUMENT = CATALOG_DOCUMENT
PLAIN_OPERATION_NAME = "Home"
ACCEPT = "multipart/mixed;deferSpec=20220824,application/json"


def expect(first: dict[str, Any], merged: dict[str, Any]) -> str:
    """What is wrong with the parts ("" when they are right): the grid first, the recommendations after."""
    if "forYou" in first.get("data", {}):
        return "the recommendations came with the first part"
    if len(first.get("data", {}).get("products", {}).get("edges", [])) != 24:
        return "the first part lacks the 24 products"
    if len((merged.get("forYou") or {}).get("items", [])) != 8:
        return "the parts do not complete the 8 recommendations"
    return ""
