"""The benchmark harness runs: a short run of one scenario on a tiny catalog, checked for shape, not speed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bench import report, runner
from bench.scenarios import load


@pytest.mark.slow
async def test_a_short_run_reports_every_number_and_correct_answers(tmp_path: Path) -> None:
    options = runner.Options(
        catalogs=("generated",),
        products=40,
        targets=("bff", "floor", "peer", "tuned"),
        warmup=0.2,
        seconds=0.5,
        runs=1,
        latency_seconds=0.2,
        latency_runs=3,
        calibration_seconds=0.3,
        connections=4,
        generator="asyncio",
    )
    result = await runner.run(options, load(["home"]))
    written = report.write(result, tmp_path)

    (catalog,) = result["catalogs"]
    (home,) = catalog["scenarios"]
    assert set(home["targets"]) == {"bff", "floor", "peer", "tuned"}
    bff = home["targets"]["bff"]
    assert bff["correct"], bff["problems"]
    assert bff["errors"] == 0
    assert bff["max_rps"] > 0 and bff["p50_ms"] > 0 and bff["p99_ms"] >= bff["p50_ms"]
    assert len(bff["runs_p99_ms"]) == 3 and bff["p99_ms"] == sorted(bff["runs_p99_ms"])[1]
    assert bff["cpu_ms_per_request"] > 0 and bff["response_bytes"] > 0
    assert bff["backend_calls"]["total"] >= 1
    assert set(home["ratios"]) == {"to_floor", "to_peer", "to_tuned"}
    assert home["floor_identical"] is True
    assert home["peer_same_data"] is True and home["tuned_same_data"] is True
    # Paced at a measured share of the server's CPU: never above half the max.
    assert bff["calibration_cpu_busy_pct"] is not None and bff["rate_rps"] <= bff["max_rps"] / 2 + 0.1  # (both rounded)
    assert len(bff["runs_others_on_core_pct"]) == 3 and len(bff["runs_loadavg"]) == 3 and bff["rss_kb"][0] > 0
    # The latency-injection profile: home's slowest service is the recommender, its calls counted.
    profile = {row["name"]: row for row in catalog["latency_profile"]["scenarios"]}
    assert profile["home"]["slowest"] == "recommender" and profile["home"]["slowest_median_ms"] == 40.0
    assert profile["home"]["errors"] == 0 and profile["home"]["p50_ms"] > 0
    assert profile["home"]["backend_calls"]["recommender.recommend"] == 1
    assert catalog["n_plus_one"]["first_50"] <= catalog["n_plus_one"]["first_5"] <= 6
    assert {c["target"] for c in result["targets"]} >= {"home uncached >= 5x the peer's throughput"}
    assert written.read_text().startswith("# Benchmark")
    assert written.with_suffix(".json").exists()


def bff_and_floor() -> runner.Options:
    """A short run of the BFF and the floor on a tiny catalog, without the latency profile."""
    return runner.Options(
        catalogs=("generated",),
        products=40,
        targets=("bff", "floor"),
        warmup=0.2,
        seconds=0.5,
        runs=1,
        latency_seconds=0.4,
        latency_runs=1,
        calibration_seconds=0.3,
        latency_profile=False,
        connections=4,
        generator="asyncio",
    )


@pytest.mark.slow
async def test_checkout_sends_each_prepared_checkout_once() -> None:
    options = bff_and_floor()
    # Sized for less than the servers' max: the runs spend their shares of the pool and end early.
    result = await runner.run(options, [replace(s, pool_rate=100.0) for s in load(["checkout"])])

    (checkout,) = result["catalogs"][0]["scenarios"]
    for target in ("bff", "floor"):
        measured = checkout["targets"][target]
        assert measured["correct"], measured["problems"]
        assert measured["errors"] == 0
        # Every request had its own cart and key: runs that spent their share ended (else they would be retries).
        assert measured["pool"] > 0 and measured["pool_spent"] is False and measured["runs_cut_short"] > 0
    # A placement, not a retry: the cart, its variants, the transaction, the workflow's start.
    assert checkout["targets"]["bff"]["backend_calls"]["total"] == 4
    assert checkout["floor_identical"] is True


@pytest.mark.slow
async def test_add_to_cart_spreads_over_shoppers_carts_and_the_floor_answers_the_same() -> None:
    options = bff_and_floor()
    result = await runner.run(options, load(["add_to_cart"]))

    (add,) = result["catalogs"][0]["scenarios"]
    for target in ("bff", "floor"):
        measured = add["targets"][target]
        assert measured["correct"], measured["problems"]
        assert measured["errors"] == 0
        # More carts than connections: no two requests in flight add to one cart.
        assert measured["pool"] > 3 * options.connections
    # The cart, its variants and the added one in one batch, the conditional write.
    assert add["targets"]["bff"]["backend_calls"]["total"] == 3
    assert add["floor_identical"] is True
    assert add["ratios"]["to_floor"] > 0


@pytest.mark.slow
async def test_the_collection_page_runs_within_its_bound_and_the_peers_agree() -> None:
    options = runner.Options(
        catalogs=("generated",),
        products=60,
        targets=("bff", "peer", "tuned"),
        warmup=0.2,
        seconds=0.5,
        runs=1,
        latency_seconds=0.2,
        latency_runs=1,
        calibration_seconds=0.3,
        latency_profile=False,
        connections=4,
        generator="asyncio",
    )
    result = await runner.run(options, load(["collection_page"]))

    (page,) = result["catalogs"][0]["scenarios"]
    assert set(page["targets"]) == {"bff", "peer", "tuned"}  # no hand-written floor for this page
    bff = page["targets"]["bff"]
    assert bff["correct"], bff["problems"]
    assert bff["errors"] == 0
    # Content lookup, category by handle, the listing, the facets, the listed products' variants.
    assert bff["backend_calls"]["total"] <= 5
    assert page["targets"]["peer"]["correct"], page["targets"]["peer"]["problems"]
