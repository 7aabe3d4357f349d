"""``InteractionBuffer``: shoppers' interactions leave the request at once and reach the recommenders later.

``offer`` only appends to a bounded in-process queue (no I/O, so ``trackInteractions`` adds no latency);
a background task started with the app sends what waits, at most ``batch`` events per send, to every sink
(Personalize's ``PutEvents`` when configured, and always the embedded model's history). Past ``capacity``
waiting events, new ones are dropped and counted (``dropped``, ``bff_interactions_dropped``): a recommender
outage never grows the process. A sink that fails loses that batch (counted too); the others still get it.

What the store records by itself: cart changes through ``CartInteractions`` (``cart_interactions``), a cart
store listener whose events name variants (their products are read here, in the background, one catalog
read per send); ``record_purchases`` records a placed order (``bff.backends.purchase_interactions``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from bff.backends.catalog import CatalogReader
from bff.backends.recommender import Recommender
from bff.domain.recommendations import EventType, Interaction
from bff.errors import ServiceUnavailable
from bff.observability import INTERACTIONS_DROPPED

log = logging.getLogger("bff.recommender")


class InteractionBuffer:
    def __init__(
        self,
        sinks: Sequence[Recommender],
        *,
        capacity: int = 10_000,
        batch: int = 100,
        interval: float = 1.0,
        catalog: CatalogReader | None = None,
    ) -> None:
        self.sinks = tuple(sinks)
        # Reads the products of variant events (carts know variants) when they are sent, not in the request.
        self.catalog = catalog
        self.of_variants: deque[Interaction] = deque()
        self.capacity = capacity
        self.batch = batch
        self.interval = interval
        self.waiting: deque[Interaction] = deque()
        self.dropped = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def offer(self, events: Sequence[Interaction], *, variants: bool = False) -> int:
        """Queue ``events`` for sending; how many were accepted (the rest are dropped: the buffer is full).
        With ``variants``, the events' ``item_id`` are variant ids, replaced by their product's when sent."""
        room = max(self.capacity - len(self.waiting) - len(self.of_variants), 0)
        accepted = list(events[:room])
        (self.of_variants if variants else self.waiting).extend(accepted)
        if len(accepted) < len(events):
            self._drop(len(events) - len(accepted), "buffer_full")
        if len(self.waiting) + len(self.of_variants) >= self.batch:
            self._wake.set()
        return len(accepted)

    def record_purchases(self, user_id: str | None, session_id: str, product_ids: Sequence[str]) -> int:
        """A placed order (``bff.backends.purchase_interactions``): one PURCHASE per product."""
        return self._record(user_id, session_id, EventType.PURCHASE, product_ids)

    def _record(self, user_id: str | None, session_id: str, kind: EventType, product_ids: Sequence[str]) -> int:
        now = datetime.now(UTC)
        return self.offer([Interaction(session_id, p, kind, now, user_id=user_id) for p in product_ids])

    def start(self) -> None:
        """Start sending in the background; call outside any request (the task must not inherit its context)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="interaction-buffer")

    async def flush(self) -> None:
        """Send everything waiting now, ``batch`` at a time."""
        await self._products_of_variants()
        while self.waiting:
            events = [self.waiting.popleft() for _ in range(min(self.batch, len(self.waiting)))]
            for sink in self.sinks:
                try:
                    await sink.record(events)
                except (ServiceUnavailable, OSError) as error:
                    self._drop(len(events), "unavailable")
                    log.warning("%d interactions not recorded: %s", len(events), error)

    async def _products_of_variants(self) -> None:
        """Variant events become their product's: one catalog read for all of them (unknown variants go)."""
        if not self.of_variants:
            return
        events = list(self.of_variants)
        self.of_variants.clear()
        if self.catalog is None:
            self._drop(len(events), "unavailable")
            return
        try:
            found = await self.catalog.get_variants(sorted({e.item_id for e in events}))
        except (ServiceUnavailable, OSError) as error:
            self._drop(len(events), "unavailable")
            log.warning("%d cart interactions not recorded: %s", len(events), error)
            return
        product_of = {v.id: v.product_id for v in found if v is not None}
        self.waiting.extend(replace(e, item_id=product_of[e.item_id]) for e in events if e.item_id in product_of)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()
            try:
                await self.flush()
            except Exception:  # never let the sender die: the next tick tries again
                log.exception("sending interactions failed")

    async def close(self) -> None:
        """Stop the background task and send what still waits."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.flush()

    def _drop(self, count: int, reason: str) -> None:
        self.dropped += count
        INTERACTIONS_DROPPED.labels(reason).inc(count)
