"""The remote-call policy at the port boundary, on a port declared here for the purpose: which operations are
retried, what counts for the breaker, what a deadline cuts, what an optional port's failure adds to the response.

(The real adapters are proven against their stand-ins: ``test_search_outage.py``, ``test_redis_outage.py``.)
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import pytest
from prometheus_client import REGISTRY

from bff import degradation, metrics
from bff.backends.catalog import CATALOG
from bff.backends.local.sqlite_catalog import SqliteCatalogStore
from bff.backends.policy import EMBEDDED, policy_for
from bff.backends.ports import PortSpec, instrument
from bff.errors import BadUserInput, ServiceUnavailable
from bff.settings import CallPolicy, Settings


class Inventory(Protocol):
    async def count(self, sku: str) -> int: ...

    async def reserve(self, sku: str) -> None: ...

    async def load(self, rows: Sequence[str]) -> None: ...

    async def close(self) -> None: ...


INVENTORY: PortSpec[Inventory] = PortSpec(Inventory, "inventory", idempotent=("count", "load"), bulk=("load",))


class FlakyInventory:
    """Fails (or hangs, or takes its time) as told, and counts the calls that reach it."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.error: BaseException | None = None
        self.hang = False
        self.delay = 0.0

    async def _act(self, name: str) -> None:
        self.calls[name] += 1
        if self.hang:
            await asyncio.Event().wait()
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error

    async def count(self, sku: str) -> int:
        await self._act("count")
        return 3

    async def reserve(self, sku: str) -> None:
        await self._act("reserve")

    async def load(self, rows: Sequence[str]) -> None:
        await self._act("load")

    async def close(self) -> None:
        self.calls["close"] += 1


def remote(**overrides: float | None) -> CallPolicy:
    return CallPolicy.model_validate({"backoff_initial_seconds": 0.001, "breaker_failures": 0, **overrides})


async def test_only_idempotent_operations_are_retried() -> None:
    adapter = FlakyInventory()
    port = instrument(adapter, INVENTORY, remote(attempts=3))
    adapter.error = ServiceUnavailable("down")

    with pytest.raises(ServiceUnavailable):
        await port.count("a")
    with pytest.raises(ServiceUnavailable):
        await port.reserve("a")

    assert adapter.calls == {"count": 3, "reserve": 1}


async def test_a_connection_error_is_retried_and_leaves_as_service_unavailable() -> None:
    adapter = FlakyInventory()
    port = instrument(adapter, INVENTORY, remote(attempts=2))
    adapter.error = ConnectionRefusedError("refused")

    with pytest.raises(ServiceUnavailable) as failure:
        await port.count("a")

    assert adapter.calls["count"] == 2
    assert failure.value.extensions == {"capability": "inventory", "reason": "unavailable"}


async def test_the_callers_errors_are_neither_retried_nor_counted_by_the_breaker() -> None:
    adapter = FlakyInventory()
    port = instrument(adapter, INVENTORY, remote(attempts=3, breaker_failures=2))
    adapter.error = BadUserInput("no such sku")

    for _ in range(4):
        with pytest.raises(BadUserInput):
            await port.count("a")

    assert adapter.calls["count"] == 4
    assert port.breaker is not None and port.breaker.state == "closed"  # type: ignore[attr-defined]


async def test_the_deadline_covers_the_retries_and_counts_for_the_breaker() -> None:
    adapter = FlakyInventory()
    port = instrument(adapter, INVENTORY, remote(timeout_seconds=0.05, attempts=3, breaker_failures=1))
    adapter.hang = True

    with pytest.raises(ServiceUnavailable) as failure:
        await port.count("a")
    with pytest.raises(ServiceUnavailable) as refused:
        await port.count("a")

    assert failure.value.extensions["reason"] == "timeout"
    assert refused.value.extensions["reason"] == "circuit_open"
    assert adapter.calls["count"] == 1  # the hung try, then nothing: the breaker opened on the timeout


async def test_bulk_operations_have_no_deadline_and_close_always_reaches_the_adapter() -> None:
    adapter = FlakyInventory()
    port = instrument(adapter, INVENTORY, remote(timeout_seconds=0.01, breaker_failures=1))
    adapter.delay = 0.1

    await port.load(["a"] * 1000)
    adapter.delay, adapter.error = 0, ServiceUnavailable("down")
    with pytest.raises(ServiceUnavailable):
        await port.reserve("a")
    await port.close()  # the breaker is open now

    assert port.breaker is not None and port.breaker.state == "open"  # type: ignore[attr-defined]
    assert adapter.calls == {"load": 1, "reserve": 1, "close": 1}


async def test_an_optional_port_that_fails_warns_in_the_response_and_degrade_serves_the_fallback() -> None:
    adapter = FlakyInventory()
    spec: PortSpec[Inventory] = PortSpec(Inventory, "inventory", idempotent=("count",), optional=True)
    port = instrument(adapter, spec, remote(timeout_seconds=0.05))
    metrics.start_request()
    adapter.hang = True

    counted = await degradation.degrade("inventory", lambda: port.count("a"), lambda: 0)
    await degradation.degrade("inventory", lambda: port.count("b"), lambda: 0)
    payload: dict[str, object] = {"data": {}}
    degradation.attach(payload)

    assert counted == 0
    assert payload["extensions"] == {
        "warnings": [
            {
                "code": "DEGRADED",
                "capability": "inventory",
                "message": "inventory did not answer in time; a fallback was served",
            }
        ]
    }
    metrics.start_request()
    assert not degradation.pending()


async def test_an_embedded_adapter_is_called_directly(tmp_path: Path) -> None:
    store = await SqliteCatalogStore.open(tmp_path / "catalog.sqlite3")
    port = instrument(store, CATALOG, EMBEDDED)
    timed = instrument(store, CATALOG, EMBEDDED, histograms=True)
    labels = {"capability": "catalog", "operation": "get_products"}
    before = REGISTRY.get_sample_value("bff_port_call_seconds_count", labels) or 0

    await port.get_products(["a"])
    await timed.get_products(["a"])

    # No deadline, retry, breaker, histogram or span: the wrapper holds the adapter's own method.
    assert port.calls[0] == store.get_products  # type: ignore[attr-defined]
    assert REGISTRY.get_sample_value("bff_port_call_seconds_count", labels) == before + 1
    await store.close()


def test_a_capabilitys_policy_is_its_default_with_the_settings_overrides() -> None:
    settings = Settings(env="test", call_policy={"search": {"attempts": 5}, "catalog": {"timeout_seconds": 0.5}})

    search = policy_for(settings, "search", remote=True)
    assert (search.attempts, search.timeout_seconds, search.breaker_failures) == (5, 1.5, 5)
    assert policy_for(settings, "catalog", remote=False).timeout_seconds == 0.5
    assert policy_for(settings, "cache", remote=False) == EMBEDDED
    assert policy_for(settings, "recommendations", remote=True) == CallPolicy()


def test_the_policy_setting_is_json_and_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BFF_CALL_POLICY", '{"search": {"timeout_seconds": null, "attempts": 2}}')
    assert Settings(env="test").call_policy == {"search": {"timeout_seconds": None, "attempts": 2}}
    monkeypatch.setenv("BFF_CALL_POLICY", '{"search": {"attempts": 0}}')
    with pytest.raises(ValueError, match="search"):
        Settings(env="test")
    monkeypatch.setenv("BFF_CALL_POLICY", '{"search": {"retries": 2}}')
    with pytest.raises(ValueError, match="retries"):
        Settings(env="test")
