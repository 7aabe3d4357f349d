"""The interaction buffer: bounded, sends in the background to every recommender, counts what it drops."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aioboto3
import pytest
from botocore.stub import Stubber
from prometheus_client import REGISTRY

from bff.backends.cart_events import CartChanged
from bff.backends.cart_interactions import CartInteractions, cart_session
from bff.backends.interaction_buffer import InteractionBuffer
from bff.backends.local.recommender_embedded import EmbeddedRecommender
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.personalize import PersonalizeConfig, PersonalizeRecommender
from bff.backends.ports import instrument
from bff.backends.recommender import RECOMMENDER
from bff.catalog_io import generate_catalog
from bff.domain.cart import Cart, CartLine
from bff.domain.recommendations import EventType, Interaction

WHEN = datetime(2026, 5, 1, tzinfo=UTC)


def dropped(reason: str) -> float:
    return REGISTRY.get_sample_value("bff_interactions_dropped_total", {"reason": reason}) or 0.0


@pytest.fixture
async def embedded(tmp_path: Path) -> AsyncIterator[EmbeddedRecommender]:
    catalog = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    adapter = await EmbeddedRecommender.open(tmp_path / "recommender.sqlite3", catalog)
    yield adapter
    await adapter.close()
    await catalog.close()


def views(count: int, session: str = "s-1") -> list[Interaction]:
    return [Interaction(session, f"p-{n}", EventType.VIEW, WHEN) for n in range(count)]


async def test_a_full_buffer_drops_and_counts(embedded: EmbeddedRecommender) -> None:
    buffer = InteractionBuffer([instrument(embedded, RECOMMENDER)], capacity=5, batch=2)
    before = dropped("buffer_full")
    assert buffer.offer(views(8)) == 5
    assert buffer.dropped == 3
    assert dropped("buffer_full") - before == 3
    assert await embedded.store.last_seq() == 0  # nothing is sent while offering
    await buffer.flush()
    assert await embedded.store.last_seq() == 5
    assert [e.item_id for e in await embedded.store.history()] == [f"p-{n}" for n in range(5)]


async def test_the_background_task_sends_and_close_sends_the_rest(embedded: EmbeddedRecommender) -> None:
    buffer = InteractionBuffer([embedded], capacity=100, batch=3, interval=3600)
    buffer.start()
    buffer.offer(views(3))  # a full batch wakes the sender at once
    for _ in range(100):
        if await embedded.store.last_seq() == 3:
            break
        await asyncio.sleep(0.01)
    assert await embedded.store.last_seq() == 3
    buffer.offer(views(1, "s-2"))
    await buffer.close()
    assert await embedded.store.last_seq() == 4


async def test_a_failing_recommender_loses_its_batch_the_others_still_record(embedded: EmbeddedRecommender) -> None:
    session = aioboto3.Session(aws_access_key_id="t", aws_secret_access_key="t", region_name="us-east-1")
    async with session.client("personalize-events") as events, session.client("personalize-runtime") as runtime:
        personalize = PersonalizeRecommender(runtime, events, PersonalizeConfig(tracking_id="tracker"))
        with Stubber(events) as stub:
            stub.add_client_error("put_events", service_error_code="ThrottlingException", http_status_code=400)
            sinks = [instrument(personalize, RECOMMENDER), instrument(embedded, RECOMMENDER)]
            buffer = InteractionBuffer(sinks, batch=10)
            before = dropped("unavailable")
            buffer.offer(views(2))
            await buffer.flush()
            stub.assert_no_pending_responses()
    assert dropped("unavailable") - before == 2
    assert await embedded.store.last_seq() == 2


def cart(cart_id: str, customer: str | None, *lines: tuple[str, int]) -> Cart:
    return Cart(
        id=cart_id,
        created_at=WHEN,
        updated_at=WHEN,
        lines=tuple(CartLine(id=f"l{n}", variant_id=v, quantity=q) for n, (v, q) in enumerate(lines)),
        customer_id=customer,
    )


async def test_cart_changes_and_orders_become_interactions_of_their_products(tmp_path: Path) -> None:
    catalog = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    categories, records = generate_catalog(products=3, seed=1)
    await catalog.upsert_categories(categories)
    await catalog.upsert_products(records)
    embedded = await EmbeddedRecommender.open(tmp_path / "recommender.sqlite3", catalog)
    try:
        buffer = InteractionBuffer([embedded], catalog=catalog)
        carts = CartInteractions(buffer)
        (a, b, c) = (r.variants[0] for r in records)
        await carts.cart_changed(CartChanged(cart("secret-cart-id", "u-1", (a.id, 1)), created=True))
        await carts.cart_changed(CartChanged(cart("secret-cart-id", "u-1", (a.id, 2), (b.id, 1)), created=False))
        await carts.cart_changed(CartChanged(cart("secret-cart-id", "u-1", (b.id, 1)), created=False))
        # A cart this process never saw created: its change is unknown, nothing is recorded.
        await carts.cart_changed(CartChanged(cart("other-cart", None, (c.id, 1)), created=False))
        # Signing in merges the guest cart into the customer's: its lines were recorded as they were added.
        guest = cart("other-cart", None, (c.id, 1))
        merged = cart("other-cart-2", "u-2", (c.id, 1))
        await carts.cart_changed(CartChanged(merged, created=True, dropped=guest))
        buffer.record_purchases("u-1", "s-9", [b.product_id])
        assert await embedded.store.last_seq() == 0  # nothing was read or written during the cart writes
        await buffer.flush()
        recorded = [(e.item_id, e.event_type, e.user_id, e.session_id) for e in await embedded.store.history()]
    finally:
        await embedded.close()
        await catalog.close()
    session = cart_session("secret-cart-id")
    assert "secret-cart-id" not in session
    assert recorded == [
        (b.product_id, EventType.PURCHASE, "u-1", "s-9"),
        (a.product_id, EventType.ADD_TO_CART, "u-1", session),
        (a.product_id, EventType.ADD_TO_CART, "u-1", session),
        (b.product_id, EventType.ADD_TO_CART, "u-1", session),
        (a.product_id, EventType.REMOVE_FROM_CART, "u-1", session),
    ]
