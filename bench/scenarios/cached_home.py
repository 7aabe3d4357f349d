"""The home document as Apollo Client sends it with the persisted-query link: an APQ hash over GET.

Served from the whole-response cache after the first request; compared with home's floor and peer. It is
the anonymous visitor's home, without a cart: a document holding a cart is never publicly cached.
"""

from __future__ import annotations

from bench.scenarios import Scenario
from bench.scenarios.home import CATALOG_DOCUMENT, expect

scenario = Scenario(
    name="cached_home",
    document=CATALOG_DOCUMENT,
    operation_name="Home",
    variables={"first": 24},
    transport="get-persisted",
    expect=expect,
    requires=("products",),
    reference="home",
    max_backend_calls=6,
)
