"""The ``Notifier`` port: tell the world an order's status changed (SNS in AWS; the log embedded).

The order store keeps every notification in the order's outbox in the same write as the status move
(``OrderStore.move_order``); the notifier sends it on, and status listeners (``orderStatusChanged``
subscriptions, through the cache's pub/sub) hear of it.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from bff.backends.ports import PortSpec
from bff.domain.orders import Notification

log = logging.getLogger("bff.orders.notifications")


@runtime_checkable
class Notifier(Protocol):
    async def order_status_changed(self, notification: Notification) -> None:
        """Send the notification on (a retry may send it twice: consumers key on order id and status)."""

    async def close(self) -> None: ...


NOTIFIER: PortSpec[Notifier] = PortSpec(Notifier, "notifier", idempotent=("order_status_changed",))


class LogNotifier:
    """Embedded: the notification written to the log (the outbox, readable per order, is the store's)."""

    async def order_status_changed(self, notification: Notification) -> None:
        log.info(
            "order %s %s: %s",
            notification.order_id,
            notification.status.value,
            notification.message,
            extra={"order_id": notification.order_id, "status": notification.status.value},
        )

    async def close(self) -> None:
        return None
