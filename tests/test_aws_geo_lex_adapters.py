"""Amazon Location (``geo-places``, ``geo-routes``) and Lex V2 (``lexv2-runtime``) adapters against botocore's
Stubber on real aioboto3 clients: the exact requests, the mapping of answers, errors, throttling, timeouts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aioboto3
import pytest
from botocore.config import Config
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber

from bff.backends.geocoder import GEOCODER, ROUTES
from bff.backends.lex import LexAssistant
from bff.backends.location_service import LocationGeocoder, LocationRoutePlanner
from bff.backends.ports import instrument
from bff.domain.stores import GeoPoint, Travel
from bff.errors import BadUserInput, ServiceUnavailable
from bff.settings import CallPolicy

NO_RETRIES = Config(retries={"mode": "standard", "max_attempts": 1})


async def client(service: str) -> Any:
    session = aioboto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    return session.client(service, region_name="eu-west-1", config=NO_RETRIES)


@pytest.fixture
async def places() -> AsyncIterator[tuple[LocationGeocoder, Stubber]]:
    async with await client("geo-places") as sdk:
        with Stubber(sdk) as stub:
            yield LocationGeocoder(sdk, language="en"), stub
            stub.assert_no_pending_responses()


@pytest.fixture
async def routes() -> AsyncIterator[tuple[LocationRoutePlanner, Stubber]]:
    async with await client("geo-routes") as sdk:
        with Stubber(sdk) as stub:
            yield LocationRoutePlanner(sdk), stub
            stub.assert_no_pending_responses()


@pytest.fixture
async def lex() -> AsyncIterator[tuple[LexAssistant, Stubber]]:
    async with await client("lexv2-runtime") as sdk:
        with Stubber(sdk) as stub:
            yield LexAssistant(sdk, "BOTID12345", "TSTALIASID", "en_US"), stub
            stub.assert_no_pending_responses()


def place_item(**overrides: Any) -> dict[str, Any]:
    return {
        "PlaceId": "AQAAAF",
        "PlaceType": "PointAddress",
        "Title": "10 Downing Street, London",
        "Position": [-0.1276, 51.5034],
        "Address": {"Label": "10 Downing Street, London SW1A 2AA, United Kingdom", "Country": {"Code2": "GB"}},
        **overrides,
    }


async def test_geocode_sends_the_text_and_country_filter_and_maps_the_best_item(places: Any) -> None:
    geocoder, stub = places
    stub.add_response(
        "geocode",
        {"PricingBucket": "Core", "ResultItems": [place_item()]},
        {"QueryText": "10 Downing St", "MaxResults": 1, "Language": "en", "Filter": {"IncludeCountries": ["GB"]}},
    )
    place = await geocoder.geocode(" 10 Downing St ", "gb")
    assert place.position == GeoPoint(latitude=51.5034, longitude=-0.1276)
    assert place.label.startswith("10 Downing Street") and place.country == "GB" and place.precision == "address"


async def test_geocode_falls_back_to_search_text_in_the_hinted_country(places: Any) -> None:
    geocoder, stub = places
    stub.add_response("geocode", {"PricingBucket": "Core", "ResultItems": []}, None)
    stub.add_response(
        "search_text",
        {"PricingBucket": "Core", "ResultItems": [place_item(PlaceType="PointOfInterest", Title="Harrods")]},
        {"QueryText": "Harrods", "MaxResults": 1, "Filter": {"IncludeCountries": ["GB"]}},
    )
    assert (await geocoder.geocode("Harrods", "GB")).label.startswith("10 Downing")


async def test_nothing_found_and_unreadable_text_are_none(places: Any) -> None:
    geocoder, stub = places
    stub.add_response("geocode", {"PricingBucket": "Core", "ResultItems": []}, None)
    assert await geocoder.geocode("zzzz") is None
    stub.add_client_error("geocode", service_error_code="ValidationException", http_status_code=400)
    assert await geocoder.geocode("??") is None
    assert await geocoder.geocode("   ") is None  # never sent


async def test_reverse_geocode_sends_longitude_first(places: Any) -> None:
    geocoder, stub = places
    stub.add_response(
        "reverse_geocode",
        {"PricingBucket": "Core", "ResultItems": [place_item(PlaceType="Locality", Title="London")]},
        {"QueryPosition": [-0.12, 51.5], "MaxResults": 1, "Language": "en"},
    )
    place = await geocoder.reverse_geocode(GeoPoint(51.5, -0.12))
    assert place.precision == "city"


@pytest.mark.parametrize(
    ("code", "status"),
    [("ThrottlingException", 429), ("InternalServerException", 500), ("AccessDeniedException", 403)],
)
async def test_service_errors_are_service_unavailable(places: Any, code: str, status: int) -> None:
    geocoder, stub = places
    stub.add_client_error("geocode", service_error_code=code, http_status_code=status)
    with pytest.raises(ServiceUnavailable) as caught:
        await geocoder.geocode("London")
    assert caught.value.extensions["capability"] == "geocoder"


async def test_a_client_timeout_is_a_timeout(places: Any) -> None:
    geocoder, stub = places
    stub.deactivate()  # the request goes on to be sent, and the network times out

    def time_out(**_: Any) -> None:
        raise ReadTimeoutError(endpoint_url="https://places.geo.eu-west-1.amazonaws.com")

    geocoder.client.meta.events.register("before-send.geo-places.Geocode", time_out)
    with pytest.raises(ServiceUnavailable) as caught:
        await geocoder.geocode("London")
    assert caught.value.extensions["reason"] == "timeout"


async def test_throttling_is_retried_by_the_policy_then_answers(places: Any) -> None:
    geocoder, stub = places
    wrapped = instrument(geocoder, GEOCODER, CallPolicy(timeout_seconds=2, attempts=2, backoff_initial_seconds=0))
    stub.add_client_error("geocode", service_error_code="ThrottlingException", http_status_code=429)
    stub.add_response("geocode", {"PricingBucket": "Core", "ResultItems": [place_item()]}, None)
    assert (await wrapped.geocode("Downing Street")).country == "GB"


async def test_a_slow_service_is_cut_at_the_deadline(places: Any) -> None:
    geocoder, stub = places
    wrapped = instrument(geocoder, GEOCODER, CallPolicy(timeout_seconds=0.05, attempts=1))
    stub.deactivate()

    async def slow(**_: Any) -> None:
        await asyncio.sleep(1)

    geocoder.client.meta.events.register("before-send.geo-places.Geocode", slow)
    with pytest.raises(ServiceUnavailable) as caught:
        await wrapped.geocode("London")
    assert caught.value.extensions["reason"] == "timeout"


async def test_route_matrix_request_and_mapping(routes: Any) -> None:
    planner, stub = routes
    stub.add_response(
        "calculate_route_matrix",
        {
            "ErrorCount": 1,
            "PricingBucket": "Core",
            "RouteMatrix": [[{"Distance": 12345, "Duration": 900}, {"Distance": 0, "Duration": 0, "Error": "NoRoute"}]],
            "RoutingBoundary": {"Unbounded": True},
        },
        {
            "Origins": [{"Position": [2.35, 48.85]}],
            "Destinations": [{"Position": [2.29, 48.86]}, {"Position": [-3.0, 50.0]}],
            "RoutingBoundary": {"Unbounded": True},
            "TravelMode": "Car",
            "DepartNow": True,
        },
    )
    found = await planner.travel_times(GeoPoint(48.85, 2.35), [GeoPoint(48.86, 2.29), GeoPoint(50.0, -3.0)])
    assert found == [Travel(900, 12.345), None]
    assert await planner.travel_times(GeoPoint(0, 0), []) == []  # nothing sent


async def test_route_matrix_throttling_and_refusal(routes: Any) -> None:
    planner, stub = routes
    wrapped = instrument(planner, ROUTES, CallPolicy(timeout_seconds=1, attempts=1))
    stub.add_client_error("calculate_route_matrix", service_error_code="ThrottlingException", http_status_code=429)
    with pytest.raises(ServiceUnavailable):
        await wrapped.travel_times(GeoPoint(0, 0), [GeoPoint(0, 1)])
    stub.add_client_error("calculate_route_matrix", service_error_code="ValidationException", http_status_code=400)
    with pytest.raises(ServiceUnavailable):
        await planner.travel_times(GeoPoint(0, 0), [GeoPoint(0, 1)])


LEX_REQUEST = {
    "botId": "BOTID12345",
    "botAliasId": "TSTALIASID",
    "localeId": "en_US",
    "sessionId": "g-session-1",
    "text": "where is my order",
}


async def test_recognize_text_maps_messages_intent_slots_and_dialog_state(lex: Any) -> None:
    assistant, stub = lex
    stub.add_response(
        "recognize_text",
        {
            "sessionId": "g-session-1",
            "messages": [{"content": "What's your order number?", "contentType": "PlainText"}],
            "sessionState": {
                "dialogAction": {"type": "ElicitSlot", "slotToElicit": "orderNumber"},
                "intent": {"name": "OrderStatus", "slots": {}, "state": "InProgress"},
            },
            "interpretations": [
                {"intent": {"name": "OrderStatus", "state": "InProgress"}, "nluConfidence": {"score": 0.93}},
                {"intent": {"name": "FallbackIntent"}},
            ],
        },
        LEX_REQUEST,
    )
    turn = await assistant.recognize("g-session-1", "where is my order")
    assert turn.messages == ("What's your order number?",)
    assert (turn.intent.name, turn.intent.confidence) == ("OrderStatus", 0.93)
    assert turn.slots == {}
    assert (turn.dialog_action, turn.slot_to_elicit, turn.intent_state) == ("ElicitSlot", "orderNumber", "InProgress")


async def test_recognize_text_reads_interpreted_slot_values_and_cards(lex: Any) -> None:
    assistant, stub = lex
    stub.add_response(
        "recognize_text",
        {
            "sessionId": "g-session-1",
            "messages": [
                {"contentType": "ImageResponseCard", "imageResponseCard": {"title": "Pick a colour"}},
                {"content": "Here is what I found.", "contentType": "PlainText"},
            ],
            "sessionState": {
                "dialogAction": {"type": "Close"},
                "intent": {
                    "name": "ProductSearch",
                    "state": "ReadyForFulfillment",
                    "slots": {
                        "category": {"value": {"originalValue": "sneakrs", "interpretedValue": "sneaker"}},
                        "colour": {},
                    },
                },
            },
            "interpretations": [{"intent": {"name": "ProductSearch"}, "nluConfidence": {"score": 0.8}}],
        },
        {**LEX_REQUEST, "text": "sneakrs"},
    )
    turn = await assistant.recognize("g-session-1", "sneakrs")
    assert turn.messages == ("Pick a colour", "Here is what I found.")
    assert turn.slots == {"category": "sneaker", "colour": None} and turn.ready


@pytest.mark.parametrize(("code", "status"), [("ThrottlingException", 429), ("InternalFailureException", 500)])
async def test_lex_failures_are_service_unavailable(lex: Any, code: str, status: int) -> None:
    assistant, stub = lex
    stub.add_client_error("recognize_text", service_error_code=code, http_status_code=status)
    with pytest.raises(ServiceUnavailable):
        await assistant.recognize("g-session-1", "where is my order")


async def test_lex_validation_is_the_callers_and_timeouts_are_timeouts(lex: Any) -> None:
    assistant, stub = lex
    stub.add_client_error("recognize_text", service_error_code="ValidationException", http_status_code=400)
    with pytest.raises(BadUserInput):
        await assistant.recognize("g-session-1", "where is my order")

    def time_out(**_: Any) -> None:
        raise ReadTimeoutError(endpoint_url="https://runtime-v2-lex.eu-west-1.amazonaws.com")

    stub.deactivate()
    assistant.client.meta.events.register("before-send.lex-runtime-v2.RecognizeText", time_out)
    with pytest.raises(ServiceUnavailable) as caught:
        await assistant.recognize("g-session-1", "where is my order")
    assert caught.value.extensions["reason"] == "timeout"
