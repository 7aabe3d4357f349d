"""The embedded cache holds at most its bound in bytes, lets go of expired entries without being read, and
fills only absent keys when asked to."""

from __future__ import annotations

from bff.backends.local.memory_cache import ENTRY_OVERHEAD, MemoryCache


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_bytes_held_never_pass_the_bound_and_the_least_recently_used_go_first() -> None:
    cache = MemoryCache(max_bytes=100_000)
    value = b"x" * 10_000
    for i in range(50):
        await cache.set_many({f"k{i:02d}": value}, 60)
        assert cache.bytes_held <= 100_000
    held = 100_000 // (3 + 10_000 + ENTRY_OVERHEAD)
    oldest = 50 - held
    await cache.get_many([f"k{oldest:02d}"])  # read: now the most recently used
    await cache.set_many({"k50": value}, 60)

    assert len(cache) == held
    kept = await cache.get_many([f"k{oldest:02d}", f"k{oldest + 1:02d}", f"k{oldest + 2:02d}", "k50", "k00"])
    assert kept == [value, None, value, value, None]


async def test_a_value_larger_than_the_bound_is_not_stored_and_evicts_nothing() -> None:
    cache = MemoryCache(max_bytes=100_000)
    await cache.set_many({"small": b"s"}, 60)
    await cache.set_many({"small": b"s", "huge": b"h" * 200_000}, 60)

    assert await cache.get_many(["small", "huge"]) == [b"s", None]
    assert cache.bytes_held == len("small") + 1 + ENTRY_OVERHEAD


async def test_expired_entries_are_dropped_on_later_writes_without_being_read() -> None:
    clock = Clock()
    cache = MemoryCache(clock=clock)
    await cache.set_many({f"short{i}": b"v" * 1000 for i in range(500)}, 1)
    await cache.set_many({"long": b"kept"}, 3600)
    clock.now += 2
    await cache.set_many({"other": b"new"}, 60)

    assert len(cache) == 2
    assert cache.bytes_held == sum(len(k) + len(v) + ENTRY_OVERHEAD for k, v in [("long", b"kept"), ("other", b"new")])


async def test_overwrites_and_deletes_keep_the_byte_count_exact() -> None:
    clock = Clock()
    cache = MemoryCache(clock=clock)
    for i in range(5000):
        await cache.set_many({"same": b"x" * (i % 100)}, 1 + i % 7)
    await cache.delete_many(["same", "absent"])
    assert (len(cache), cache.bytes_held) == (0, 0)

    await cache.set_many({"a": b"12345"}, 5)
    await cache.set_many({"a": b"1"}, 50)  # the first write's expiry must not drop the second
    clock.now += 10
    await cache.set_many({"b": b""}, 50)
    assert await cache.get_many(["a"]) == [b"1"]
    assert cache.bytes_held == (1 + 1 + ENTRY_OVERHEAD) + (1 + 0 + ENTRY_OVERHEAD)


async def test_only_absent_keeps_what_a_key_holds_and_fills_absent_and_expired_keys() -> None:
    clock = Clock()
    cache = MemoryCache(clock=clock)
    await cache.set_many({"held": b"marker", "brief": b"old"}, 5)
    clock.now += 1
    await cache.set_many({"brief": b"older"}, 1)  # expires before the next write
    clock.now += 2
    await cache.set_many({"held": b"stale", "brief": b"new", "absent": b"new"}, 60, only_absent=True)

    assert await cache.get_many(["held", "brief", "absent"]) == [b"marker", b"new", b"new"]
    assert cache.bytes_held == sum(
        len(k) + len(v) + ENTRY_OVERHEAD for k, v in [("held", b"marker"), ("brief", b"new"), ("absent", b"new")]
    )
