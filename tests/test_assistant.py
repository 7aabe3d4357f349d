"""The chat assistant: the embedded classifier on phrasings the bot definition does not hold, slots, a
multi-turn dialog, orders that reveal nothing, and ``assistantMessage`` with its cards, bounds and fallback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.stub import Stubber

from bff.backends.assistant import load_bot_definition
from bff.backends.local.assistant_embedded import EmbeddedAssistant
from bff.backends.local.geocoder_places import EmbeddedGeocoder
from bff.backends.local.stores_sqlite import SqliteStoreLocator
from bff.backends.ports import unwrap
from bff.domain.assistant import parse_bot
from bff.domain.identity import Identity
from bff.services import assistant_cards as cards
from bff.services.assistant import converse
from bff.services.stores import Geocoders
from bff.services.stores_seed import generate_stores
from bff.token_cli import mint_token
from tests.conftest import app_client, gql, make_settings
from tests.stand_ins import AWS_ENV

MESSAGE = """
mutation Chat($text: String!, $session: String) {
  assistantMessage(input: { text: $text, sessionId: $session }) {
    messages
    intent { name confidence }
    slots { name value }
    sessionState { sessionId dialogAction slotToElicit intentState }
    cards {
      __typename
      ... on AssistantProductCard { product { id title } }
      ... on AssistantStoreCard { storeId name distanceKm openNow }
      ... on AssistantOrderStatusCard { orderNumber status }
    }
    userErrors { field code message }
  }
}
"""


@pytest.fixture(scope="module")
async def bot() -> EmbeddedAssistant:
    assistant = EmbeddedAssistant(load_bot_definition())
    await assistant.train()
    return assistant


# Phrasings written for this test: none of them is an utterance of bff/assistant/bot.yaml.
UNSEEN = [
    ("hey, good afternoon", "Greeting", {}),
    (
        "can you show me some black sneakrs under 80 bucks",
        "ProductSearch",
        {"category": "sneaker", "colour": "black", "priceLimit": "80"},
    ),
    ("I am after a pair of boots in size L", "ProductSearch", {"category": "boot", "size": "L"}),
    ("is my order on its way? the number is 482130597", "OrderStatus", {"orderNumber": "482130597"}),
    ("any shops around Lyon", "StoreFinder", {"location": "Lyon"}),
    ("how do I get a refund", "ReturnPolicy", {}),
    ("what are you able to do", "Help", {}),
    ("whats the capital of peru", "FallbackIntent", {}),
]


@pytest.mark.parametrize(("text", "intent", "slots"), UNSEEN)
async def test_each_intent_is_recognised_from_new_phrasings_with_its_slots(
    bot: EmbeddedAssistant, text: str, intent: str, slots: dict[str, str]
) -> None:
    definition = load_bot_definition()
    assert all(text.lower() != u.lower() for i in definition.intents for u in i.utterances)
    turn = await bot.recognize(f"unseen-{intent}", text)
    assert turn.intent is not None and turn.intent.name == intent, turn
    assert {k: v for k, v in turn.slots.items() if v is not None} == slots


async def test_a_low_confidence_message_falls_back(bot: EmbeddedAssistant) -> None:
    turn = await bot.recognize("low", "purple monkey dishwasher")
    assert turn.intent is not None and turn.intent.name == "FallbackIntent"
    assert turn.intent_state == "Failed" and turn.dialog_action == "ElicitIntent"


async def test_order_status_is_a_multi_turn_dialog(bot: EmbeddedAssistant) -> None:
    first = await bot.recognize("dialog-1", "where's my stuff?")
    assert (first.intent.name if first.intent else None) == "OrderStatus"
    assert (first.dialog_action, first.slot_to_elicit) == ("ElicitSlot", "orderNumber")
    assert first.messages == ("What's your order number?",)
    # A reply without a number is asked again; the number then completes the intent.
    again = await bot.recognize("dialog-1", "hmm let me check")
    assert again.slot_to_elicit == "orderNumber"
    done = await bot.recognize("dialog-1", "it's #104420001")
    assert done.intent_state == "ReadyForFulfillment" and done.slots == {"orderNumber": "104420001"}
    # Another session was never part of it.
    other = await bot.recognize("dialog-2", "104420001")
    assert other.slot_to_elicit != "orderNumber" and other.intent_state != "ReadyForFulfillment"
    assert "orderNumber" not in other.slots


async def test_a_confident_new_intent_interrupts_a_question(bot: EmbeddedAssistant) -> None:
    await bot.recognize("switch", "find a store near")
    turn = await bot.recognize("switch", "actually, what is your return policy?")
    assert turn.intent is not None and turn.intent.name == "ReturnPolicy"


def test_the_bot_definition_is_checked() -> None:
    base = {"name": "Bot", "intents": [{"name": "Other", "fallback": True, "utterances": ["x"]}]}
    with pytest.raises(ValueError, match="unknown type"):
        parse_bot({**base, "intents": [*base["intents"], {"name": "A", "slots": [{"name": "s", "type": "Nope"}]}]})
    with pytest.raises(ValueError, match="unknown slots"):
        parse_bot({**base, "intents": [*base["intents"], {"name": "A", "utterances": ["find {thing}"]}]})
    with pytest.raises(ValueError, match="fallback"):
        parse_bot({"name": "Bot", "intents": [{"name": "A"}]})


# -- orders: the seam, and nothing revealed ---------------------------------------------------------------


class Orders:
    """Orders as the order service will hold them: one order, Alice's."""

    async def find_order(self, order_number: str) -> cards.OrderSummary | None:
        return cards.OrderSummary("104420001", "SHIPPED", "alice") if order_number == "104420001" else None


async def sources(tmp_path: Path, orders: cards.OrderLookup) -> cards.CardSources:
    from bff.backends.local.fts_search import FtsProductSearch

    search = await FtsProductSearch.open(tmp_path / "search.sqlite3")
    stores = await SqliteStoreLocator.open(tmp_path / "stores.sqlite3")
    return cards.CardSources(search, stores, Geocoders(EmbeddedGeocoder()), orders)


async def test_another_customers_order_reveals_nothing(bot: EmbeddedAssistant, tmp_path: Path) -> None:
    deps = await sources(tmp_path, Orders())
    alice, bob = Identity("alice", "alice"), Identity("bob", "bob")
    mine = await converse(bot, deps, alice, "where is order 104420001", None, max_chars=1024)
    assert [type(c).__name__ for c in mine.cards] == ["OrderStatusCard"] and "shipped" in mine.messages[-1]
    theirs = await converse(bot, deps, bob, "where is order 104420001", None, max_chars=1024)
    missing = await converse(bot, deps, bob, "where is order 999990001", None, max_chars=1024)
    assert theirs.cards == [] and missing.cards == []
    assert theirs.messages[-1].replace("104420001", "N") == missing.messages[-1].replace("999990001", "N")
    guest = await converse(bot, deps, None, "where is order 104420001", None, max_chars=1024)
    assert guest.cards == [] and "sign in" in guest.messages[-1].lower()
    # An assistant without orders finds none, for anyone.
    none = await converse(
        bot, await sources(tmp_path / "x", cards.NoOrderLookup()), alice, "track 104420001", None, max_chars=1024
    )
    assert none.cards == [] and "couldn't find" in none.messages[-1]


# -- assistantMessage over GraphQL ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def chat_dir(seeded_dir: Path) -> Path:
    locator = await SqliteStoreLocator.open(make_settings(seeded_dir).stores_db_path)
    if await locator.count_stores() == 0:
        await locator.upsert_stores(generate_stores(400, seed=5, countries=("FR", "GB")))
    await locator.close()
    return seeded_dir


@pytest.fixture(scope="module")
async def http(chat_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(make_settings(chat_dir)) as client:
        yield client


async def chat(http: httpx.AsyncClient, text: str, session: str | None = None, **headers: str) -> dict[str, Any]:
    response = await http.post(
        "/graphql", json={"query": MESSAGE, "variables": {"text": text, "session": session}}, headers=headers
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


async def test_a_chat_answer_with_five_product_cards_makes_one_catalog_batch(http: httpx.AsyncClient) -> None:
    body = await chat(http, "show me a few shirts please")
    answer = body["data"]["assistantMessage"]
    assert answer["intent"]["name"] == "ProductSearch"
    products = [c["product"] for c in answer["cards"]]
    assert len(products) == 5 and all(p["title"] for p in products)
    calls = body["extensions"]["backendCalls"]
    assert calls["search.search"] == 1
    assert sum(n for name, n in calls.items() if name.startswith("catalog.")) == 1


async def test_a_guest_dialog_goes_on_with_its_session_id(http: httpx.AsyncClient) -> None:
    first = (await chat(http, "I'd like to find a store"))["data"]["assistantMessage"]
    state = first["sessionState"]
    assert (state["dialogAction"], state["slotToElicit"]) == ("ElicitSlot", "location")
    second = (await chat(http, "Lyon", state["sessionId"]))["data"]["assistantMessage"]
    assert second["sessionState"]["intentState"] == "ReadyForFulfillment"
    stores = second["cards"]
    assert stores and all(c["__typename"] == "AssistantStoreCard" for c in stores)
    assert [c["distanceKm"] for c in stores] == sorted(c["distanceKm"] for c in stores)
    # Without the session id, "Lyon" alone starts nothing.
    fresh = (await chat(http, "Lyon"))["data"]["assistantMessage"]
    assert fresh["sessionState"]["slotToElicit"] is None and fresh["cards"] == []


async def test_a_signed_in_customer_has_one_dialog_whatever_the_session_id(
    http: httpx.AsyncClient, chat_dir: Path
) -> None:
    token = mint_token(make_settings(chat_dir), "carol@example.com", [], "1h")
    auth = {"authorization": f"Bearer {token}"}
    await chat(http, "where is my order", "one-session-id", **auth)
    answer = (await chat(http, "555550001", "another-session", **auth))["data"]["assistantMessage"]
    assert answer["slots"] == [{"name": "orderNumber", "value": "555550001"}]
    assert answer["cards"] == [] and "couldn't find an order 555550001" in answer["messages"][-1]


@pytest.mark.parametrize(
    ("text", "session", "code"),
    [
        ("", None, "TEXT_EMPTY"),
        ("   \n ", None, "TEXT_EMPTY"),
        ("x" * 1025, None, "TEXT_TOO_LONG"),
        ("hi", "bad id!", "INVALID_SESSION_ID"),
    ],
)
async def test_bad_messages_are_user_errors(http: httpx.AsyncClient, text: str, session: str | None, code: str) -> None:
    body = await gql(http, MESSAGE, text=text, session=session)
    answer = body["data"]["assistantMessage"]
    assert [e["code"] for e in answer["userErrors"]] == [code] and answer["sessionState"] is None
    assert (
        "backendCalls" not in body.get("extensions", {})
        or "assistant.recognize" not in body["extensions"]["backendCalls"]
    )


async def test_lex_failing_answers_a_friendly_fallback_with_a_warning(
    chat_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in AWS_ENV.items():
        monkeypatch.setenv(key, value)
    settings = make_settings(chat_dir, assistant_backend="lex", lex_bot_id="BOTID12345", lex_bot_alias_id="TSTALIASID")
    app = app_client(settings)
    async with app as client:
        lex: Any = unwrap(app.state.backends.assistant)
        with Stubber(lex.client) as stub:
            stub.add_client_error("recognize_text", service_error_code="ThrottlingException", http_status_code=429)
            body = await chat(client, "where is my order")
        answer = body["data"]["assistantMessage"]
        assert "can't chat right now" in answer["messages"][0] and answer["intent"] is None
        assert [w["capability"] for w in body["extensions"]["warnings"]] == ["assistant"]
