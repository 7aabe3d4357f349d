"""Store locator page: the 20 stores nearest to a position, with their distance, opening state and hours.

Runs only when the schema has the ``stores`` root field. The seed puts 1,000 demo stores in real cities
(``bench/runner.py``); the search is centred on Paris with a 500 km radius, so every page is full.
"""

from __future__ import annotations

from typing import Any

from bench.scenarios import Scenario

DOCUMENT = """query StoreLocator($latitude: Float!, $longitude: Float!, $first: Int!) {
  stores(near: { latitude: $latitude, longitude: $longitude }, radiusKm: 500, first: $first) {
    edges {
      node {
        id
        name
        distanceKm
        openNow
        nextOpening
        phone
        address { formatted }
        position { latitude longitude }
        openingHours { day periods { opens closes } }
      }
    }
    pageInfo { hasNextPage endCursor }
    distanceMethod
  }
}"""


def expect(data: dict[str, Any]) -> str:
    edges = data["stores"]["edges"]
    if len(edges) != 20:
        return f"expected 20 stores, got {len(edges)}"
    distances = [e["node"]["distanceKm"] for e in edges]
    return "" if distances == sorted(distances) else "stores are not nearest first"


scenario = Scenario(
    name="store_locator",
    document=DOCUMENT,
    operation_name="StoreLocator",
    variables={"latitude": 48.8566, "longitude": 2.3522, "first": 20},
    expect=expect,
    requires=("stores",),
    max_backend_calls=1,
)
