"""``python -m bench.dynamodb_cost`` runs on a small catalog and its figures hold what they claim: listings
within the read budget, a warm page cheaper than a cold one, every page answered."""

from __future__ import annotations

from bench.dynamodb_cost import run, table_markdown


async def test_the_cost_table_is_computed_from_the_store_s_own_requests() -> None:
    results = await run(products=400, seed_products=100, budget=60)
    rows = {name: (cold, warm) for name, cold, warm in results}
    nothing = rows["all products, vendor 'nope' (first page)"][0]
    assert 0 < nothing.entries <= 60 and nothing.calls["Query"] >= 1
    home_cold, home_warm = rows["home (20 best sellers)"]
    assert home_cold.entries == 21 and home_cold.calls["BatchGetItem"] >= 2
    assert home_warm.rcu < home_cold.rcu and "BatchGetItem" not in home_warm.calls
    assert table_markdown(results).count("\n") == len(results) + 1
