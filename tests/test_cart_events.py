"""Every cart write through the app's store tells its listeners, after the write and only when it succeeded."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bff.backends.cart_events import CartChanged, ObservedCartStore
from bff.backends.local.sqlite_carts import SqliteCartStore
from bff.domain.cart import Cart
from bff.errors import Conflict


class Recorder:
    def __init__(self) -> None:
        self.events: list[CartChanged] = []

    async def cart_changed(self, event: CartChanged) -> None:
        self.events.append(event)


async def test_listeners_hear_each_successful_write(tmp_path: Path) -> None:
    recorder = Recorder()
    store = ObservedCartStore(await SqliteCartStore.open(tmp_path / "carts.sqlite3"), [recorder])
    now = datetime.now(UTC)
    created = await store.save_cart(Cart(id="c" * 32, created_at=now, updated_at=now), None)
    changed = await store.save_cart(replace(created, note="hi"), created.version)
    with pytest.raises(Conflict):
        await store.save_cart(replace(created, note="lost"), created.version)
    assert [(e.cart, e.created) for e in recorder.events] == [(created, True), (changed, False)]
    await store.close()
