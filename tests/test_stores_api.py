"""``stores``, ``store`` over GraphQL: the embedded locator and geocoder, bad input, and Amazon Location's
geo-routes and geo-places (botocore's Stubber on the app's own aioboto3 clients) with their degradation."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.stub import ANY, Stubber

from bff.backends.local.stores_sqlite import SqliteStoreLocator
from bff.backends.ports import unwrap
from bff.services.stores_seed import generate_stores
from tests.conftest import app_client, error_codes, gql, make_settings
from tests.stand_ins import AWS_ENV

PARIS = {"latitude": 48.8566, "longitude": 2.3522}
STORES = """
query Stores($near: StoreNearInput!, $radius: Float, $first: Int, $after: String, $open: Boolean! = false,
             $service: StoreServiceKind) {
  stores(near: $near, radiusKm: $radius, first: $first, after: $after, openNow: $open, service: $service) {
    edges { cursor node { id name distanceKm openNow nextOpening timeZone services
                          position { latitude longitude } travelTime { durationSeconds distanceKm } } }
    pageInfo { hasNextPage }
    origin { latitude longitude } originLabel reason distanceMethod
  }
}
"""


# The same without the origin's label: a position's label is a reverse geocode, which these tests do not stub.
STORES_BY_POSITION = STORES.replace(" originLabel", "")


def haversine(a: dict[str, float], b: dict[str, float]) -> float:
    p1, p2 = math.radians(a["latitude"]), math.radians(b["latitude"])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b["longitude"] - a["longitude"]) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
async def stores_dir(seeded_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared catalog's data dir with 400 demo stores (only France and the UK, to be dense)."""
    locator = await SqliteStoreLocator.open(make_settings(seeded_dir).stores_db_path)
    if await locator.count_stores() == 0:
        stores = generate_stores(400, seed=5, countries=("FR", "GB"), variant_ids=("v-1", "v-2"))
        await locator.upsert_stores(stores)
    await locator.close()
    return seeded_dir


@pytest.fixture(scope="module")
async def app(stores_dir: Path) -> AsyncIterator[app_client]:
    running = app_client(make_settings(stores_dir))
    async with running:
        yield running


@pytest.fixture(scope="module")
def http(app: app_client) -> httpx.AsyncClient:
    return app.http


async def stores(http: httpx.AsyncClient, **variables: Any) -> dict[str, Any]:
    body = await gql(http, STORES, **variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["stores"]
    return result


async def test_stores_near_a_position_come_nearest_first_with_checked_distances(http: httpx.AsyncClient) -> None:
    found = await stores(http, near=PARIS, radius=300, first=20)
    nodes = [e["node"] for e in found["edges"]]
    assert len(nodes) == 20
    distances = [n["distanceKm"] for n in nodes]
    assert distances == sorted(distances)
    for node in nodes:
        assert node["distanceKm"] == pytest.approx(haversine(PARIS, node["position"]), abs=0.002)
        assert node["travelTime"] is None
        assert node["timeZone"] == "Europe/Paris" or node["timeZone"].startswith("Europe/")
        assert node["openNow"] is (node["nextOpening"] is None)
    assert found["distanceMethod"] == "STRAIGHT_LINE"
    assert found["origin"] == PARIS and found["reason"] is None


async def test_pages_continue_where_the_last_one_stopped(http: httpx.AsyncClient) -> None:
    whole = await stores(http, near=PARIS, radius=400, first=10)
    first = await stores(http, near=PARIS, radius=400, first=4)
    assert first["pageInfo"]["hasNextPage"] is True
    second = await stores(http, near=PARIS, radius=400, first=6, after=first["edges"][-1]["cursor"])
    ids = [e["node"]["id"] for e in (*first["edges"], *second["edges"])]
    assert ids == [e["node"]["id"] for e in whole["edges"]]
    # A cursor from another search is refused.
    other = await gql(http, STORES, near=PARIS, radius=100, first=4, after=first["edges"][-1]["cursor"])
    assert error_codes(other) == ["BAD_USER_INPUT"]


async def test_an_address_is_geocoded_offline_and_filters_apply(http: httpx.AsyncClient) -> None:
    found = await stores(http, near={"address": "Lyon, France"}, radius=100, first=5, service="PICKUP")
    assert found["originLabel"].startswith("Lyon")
    assert found["edges"] and all("PICKUP" in e["node"]["services"] for e in found["edges"])
    assert all(e["node"]["distanceKm"] <= 100 for e in found["edges"])
    open_now = await stores(http, near=PARIS, radius=500, first=50, open=True)
    assert all(e["node"]["openNow"] for e in open_now["edges"])


async def test_an_address_that_geocodes_to_nothing_is_an_empty_result_with_a_reason(http: httpx.AsyncClient) -> None:
    found = await stores(http, near={"address": "Qxzvwplk Zzyzzx"})
    assert found["edges"] == [] and found["reason"] == "ADDRESS_NOT_FOUND" and found["origin"] is None


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"near": {"latitude": 91, "longitude": 0}}, "near.latitude"),
        ({"near": {"latitude": 0, "longitude": 181}}, "near.longitude"),
        ({"near": PARIS, "radius": 0}, "radiusKm"),
        ({"near": PARIS, "radius": -5}, "radiusKm"),
        ({"near": PARIS, "radius": 5000}, "radiusKm"),
        ({"near": PARIS, "first": 500}, "first"),
        ({"near": PARIS, "first": -1}, "first"),
        ({"near": {**PARIS, "address": "Lyon"}}, "near"),
        ({"near": {}}, "near"),
        ({"near": {"latitude": 3}}, "near"),
        ({"near": {"address": "x" * 201}}, "near.address"),
    ],
)
async def test_bad_input_is_bad_user_input(http: httpx.AsyncClient, variables: dict[str, Any], field: str) -> None:
    body = await gql(http, STORES, **variables)
    assert error_codes(body) == ["BAD_USER_INPUT"], body
    assert body["data"] is None or body["data"].get("stores") is None


async def test_a_store_by_id_and_a_bad_id(http: httpx.AsyncClient) -> None:
    found = await stores(http, near=PARIS, first=1)
    store_id = found["edges"][0]["node"]["id"]
    query = "query($id: ID!) { store(id: $id) { id name distanceKm openingHours { day periods { opens closes } } "
    query += "specialHours { date periods { opens } } address { formatted country } } }"
    body = await gql(http, query, id=store_id)
    store = body["data"]["store"]
    assert store["id"] == store_id and store["distanceKm"] is None
    assert len(store["openingHours"]) == 7 and store["specialHours"][0]["periods"] == []
    assert store["address"]["country"] in ("FR", "GB")
    missing = await gql(http, query, id="U3RvcmUvbm9uZQ")  # Store/none
    assert missing["data"]["store"] is None
    assert error_codes(await gql(http, query, id="not-an-id")) == ["BAD_USER_INPUT"]


AVAILABILITY = """
query($handle: String!, $near: PickupNearInput!, $first: Int!) {
  product(handle: $handle) { variants(first: 1) { nodes { id storeAvailability(near: $near, first: $first) {
    available quantityAvailable location { id name distanceKm } } } } }
}
"""


async def test_pickup_stock_of_a_variant_at_the_nearest_pickup_stores(app: app_client) -> None:
    from dataclasses import replace

    from bff.domain.stores import StoreService

    product = await gql(app.http, "{ products(first: 1) { nodes { handle variants(first: 1) { nodes { id } } } } }")
    handle = product["data"]["products"]["nodes"][0]["handle"]
    variant = (await app.state.backends.catalog.get_products_by_handle([handle]))[0]
    assert variant is not None
    variant_id = (await app.state.backends.catalog.get_variants_by_product([variant.id]))[0][0].id
    template = generate_stores(1, seed=9, countries=("FR",))[0]
    pickup = frozenset({StoreService.PICKUP})
    near_stock = replace(
        template,
        id="pick-1",
        position=replace(template.position, latitude=48.8570, longitude=2.3530),
        services=pickup,
        pickup_stock={variant_id: 4},
    )
    near_none = replace(
        near_stock,
        id="pick-2",
        position=replace(template.position, latitude=48.8600, longitude=2.3600),
        pickup_stock={},
    )
    await app.state.backends.stores.upsert_stores([near_stock, near_none])
    body = await gql(app.http, AVAILABILITY, handle=handle, near=PARIS, first=2)
    found = body["data"]["product"]["variants"]["nodes"][0]["storeAvailability"]
    assert [(f["available"], f["quantityAvailable"]) for f in found] == [(True, 4), (False, 0)]
    assert found[0]["location"]["distanceKm"] < found[1]["location"]["distanceKm"] < 1
    bad = await gql(app.http, AVAILABILITY, handle=handle, near={"latitude": 100, "longitude": 0}, first=2)
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    too_many = await gql(app.http, AVAILABILITY, handle=handle, near=PARIS, first=51)
    assert error_codes(too_many) == ["BAD_USER_INPUT"]


# -- Amazon Location Service, stubbed on the app's own clients ---------------------------------------------


@pytest.fixture
async def aws_http(stores_dir: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[app_client]:
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)
    settings = make_settings(stores_dir, geocoder_backend="location", routes_backend="location")
    client = app_client(settings)
    await client.__aenter__()
    try:
        yield client
    finally:
        await client.__aexit__(None, None, None)


def stubber(port: object) -> Stubber:
    adapter: Any = unwrap(port)
    stub = Stubber(adapter.client)
    stub.activate()
    return stub


def matrix(destinations: int) -> dict[str, Any]:
    row = [{"Distance": 1000 * (i + 1), "Duration": 120 * (i + 1)} for i in range(destinations)]
    return {"ErrorCount": 0, "PricingBucket": "Core", "RouteMatrix": [row], "RoutingBoundary": {"Unbounded": True}}


async def test_twenty_stores_with_travel_times_make_one_route_matrix_call(aws_http: app_client) -> None:
    routes = stubber(aws_http.state.backends.routes)
    routes.add_response(
        "calculate_route_matrix",
        matrix(20),
        {
            "Origins": [{"Position": [PARIS["longitude"], PARIS["latitude"]]}],
            "Destinations": ANY,
            "RoutingBoundary": {"Unbounded": True},
            "TravelMode": "Car",
            "DepartNow": True,
        },
    )
    response = await aws_http.http.post(
        "/graphql", json={"query": STORES_BY_POSITION, "variables": {"near": PARIS, "first": 20, "radius": 400}}
    )
    body = response.json()
    found = body["data"]["stores"]
    assert found["distanceMethod"] == "ROUTE"
    travel = [e["node"]["travelTime"] for e in found["edges"]]
    assert travel[0] == {"durationSeconds": 120, "distanceKm": 1.0} and travel[19]["durationSeconds"] == 2400
    assert body["extensions"]["backendCalls"]["routes.travel_times"] == 1
    routes.assert_no_pending_responses()


async def test_failing_routes_degrade_to_straight_lines_with_a_warning(aws_http: app_client) -> None:
    routes = stubber(aws_http.state.backends.routes)
    routes.add_client_error("calculate_route_matrix", service_error_code="ThrottlingException", http_status_code=429)
    response = await aws_http.http.post(
        "/graphql", json={"query": STORES_BY_POSITION, "variables": {"near": PARIS, "first": 5}}
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body
    assert body["data"]["stores"]["distanceMethod"] == "STRAIGHT_LINE"
    assert all(e["node"]["travelTime"] is None for e in body["data"]["stores"]["edges"])
    assert [w["capability"] for w in body["extensions"]["warnings"]] == ["routes"]


async def test_an_address_goes_to_geo_places_and_falls_back_offline_when_it_fails(aws_http: app_client) -> None:
    places = stubber(aws_http.state.backends.geocoder)
    stub_routes = stubber(aws_http.state.backends.routes)
    places.add_response(
        "geocode",
        {
            "PricingBucket": "Core",
            "ResultItems": [
                {
                    "PlaceId": "p1",
                    "PlaceType": "PostalCode",
                    "Title": "69002 Lyon",
                    "Position": [4.8320, 45.7578],
                    "Address": {"Label": "69002 Lyon, France", "Country": {"Code2": "FR", "Code3": "FRA"}},
                }
            ],
        },
        {"QueryText": "69002", "MaxResults": 1},
    )
    stub_routes.add_response("calculate_route_matrix", matrix(3), None)
    variables = {"near": {"address": "69002"}, "first": 3, "radius": 200}
    body = (await aws_http.http.post("/graphql", json={"query": STORES, "variables": variables})).json()
    assert body["data"]["stores"]["originLabel"] == "69002 Lyon, France"
    assert body["data"]["stores"]["origin"] == {"latitude": 45.7578, "longitude": 4.832}
    # Location Service down: the embedded geocoder answers the city, the response says it degraded.
    places.add_client_error("geocode", service_error_code="InternalServerException", http_status_code=500)
    places.add_client_error("geocode", service_error_code="InternalServerException", http_status_code=500)
    stub_routes.add_response("calculate_route_matrix", matrix(3), None)
    variables = {"near": {"address": "Lyon, FR"}, "first": 3, "radius": 200}
    body = (await aws_http.http.post("/graphql", json={"query": STORES, "variables": variables})).json()
    assert body["data"]["stores"]["originLabel"].startswith("Lyon")
    assert "geocoder" in [w["capability"] for w in body["extensions"]["warnings"]]
    places.assert_no_pending_responses()


async def test_only_the_nearest_route_candidates_are_routed(stores_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)
    settings = make_settings(stores_dir, routes_backend="location", stores_route_candidates=3)
    app = app_client(settings)
    async with app as http:
        planner: Any = unwrap(app.state.backends.routes)
        sent: list[dict[str, Any]] = []
        planner.client.meta.events.register_first(
            "before-parameter-build.geo-routes.CalculateRouteMatrix", lambda params, **_: sent.append(params)
        )
        routes = stubber(app.state.backends.routes)
        routes.add_response("calculate_route_matrix", matrix(3), None)
        body = await gql(http, STORES_BY_POSITION, near=PARIS, first=8, radius=400)
    edges = body["data"]["stores"]["edges"]
    assert len(edges) == 8 and len(sent) == 1 and len(sent[0]["Destinations"]) == 3
    nearest = [[e["node"]["position"]["longitude"], e["node"]["position"]["latitude"]] for e in edges[:3]]
    assert [d["Position"] for d in sent[0]["Destinations"]] == nearest
    assert [e["node"]["travelTime"] is not None for e in edges] == [True] * 3 + [False] * 5
