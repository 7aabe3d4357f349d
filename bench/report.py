"""The report: ``bench/results/<date>[-label].md`` for people and ``.json`` beside it for tools."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson

from bench import abuse, incremental, latency

RESULTS = Path(__file__).parent / "results"


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured value and whether it is met (per catalog)."""
    checks: list[dict[str, Any]] = []

    def add(catalog: str, what: str, value: Any, met: bool) -> None:
        checks.append({"catalog": catalog, "target": what, "value": value, "met": bool(met)})

    for cat in report["catalogs"]:
        if "skipped" in cat:
            continue
        rows = {r["name"]: r for r in cat["scenarios"] if "skipped" not in r}
        name = cat["catalog"]
        if "home" in rows and "to_peer" in rows["home"]["ratios"]:
            add(
                name,
                "home uncached >= 5x the peer's throughput",
                rows["home"]["ratios"]["to_peer"],
                rows["home"]["ratios"]["to_peer"] >= 5,
            )
        if "n_plus_one" in cat:
            counts = cat["n_plus_one"]
            # More products never cost more calls; they may cost fewer: a listing that already holds a
            # recommended product saves the product batch for it.
            ok = (counts["first_50"] or 99) <= (counts["first_5"] or 0) <= 6
            add(name, "home backend calls <= 6, no more for 50 products than for 5", counts, ok)
        if "cached_home" in rows and "to_floor" in rows["cached_home"]["ratios"]:
            ratio = rows["cached_home"]["ratios"]["to_floor"]
            add(name, "cached home >= 0.5x the floor's throughput", ratio, ratio >= 0.5)
        deferred = cat.get("incremental", {})
        if "deferred" in deferred:
            # The first part waits for the catalog, not the recommender: at least half its delay sooner.
            first, whole = deferred["deferred"]["first_part_ms"]["p50"], deferred["plain"]["whole_ms"]["p50"]
            saved = round(whole - first, 1)
            add(
                name,
                "home_deferred: first part p50 >= half the recommender's delay before the plain page's",
                saved,
                saved >= deferred["recommender_delay_ms"] / 2 and deferred["same_data"],
            )
        for row in rows.values():
            bff = row["targets"].get("bff")
            if not bff:
                continue
            if "to_tuned" in row["ratios"]:
                ratio = row["ratios"]["to_tuned"]
                add(name, f"{row['name']}: >= 4x the tuned peer's throughput", ratio, ratio >= 4)
            spread = round(bff["p99_ms"] / bff["p50_ms"], 2) if bff["p50_ms"] else None
            add(name, f"{row['name']}: p99 <= 5x p50 at 50% load", spread, spread is not None and spread <= 5)
            calls = (bff.get("backend_calls") or {}).get("total")
            if row.get("max_backend_calls") is not None and calls is not None:
                add(
                    name,
                    f"{row['name']}: backend calls <= {row['max_backend_calls']}",
                    calls,
                    calls <= row["max_backend_calls"],
                )
            add(
                name,
                f"{row['name']}: correct answers, no errors under load",
                bff["errors"],
                bff["correct"] and not bff["errors"],
            )
        for entry in cat.get("latency_profile", {}).get("scenarios", []):
            if entry.get("bound") and entry.get("p50_to_slowest") is not None:
                add(
                    name,
                    f"{entry['name']}: p50 <= {entry['bound']}x its slowest service's delay (latency injected)",
                    entry["p50_to_slowest"],
                    entry["p50_to_slowest"] <= entry["bound"],
                )
    return checks


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return str(value)


def _busy(target: dict[str, Any]) -> str:
    runs = target.get("runs_cpu_busy_pct") or []
    return "/".join(str(b) for b in runs) or "–"


def _errors(target: dict[str, Any]) -> str:
    """The error count with its kinds (``timeout 1``): a status is the server's answer, a timeout or a socket
    error may be the load generator's."""
    kinds = target.get("error_kinds") or {}
    detail = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    return f"{target.get('errors')} ({detail})" if detail else str(target.get("errors"))


def _tails(cat: dict[str, Any]) -> list[str]:
    """Where each paced run's tail comes from: the server's CPU share, what other processes took of its core,
    and the machine's load average."""
    lines = [
        "",
        "Paced runs (BFF), per run: the server's CPU %, other processes' CPU % on the server's core (the "
        "machine), the 1-minute load average, p99 ms; the server's RSS per process:",
        "",
    ]
    for row in cat["scenarios"]:
        bff = (row.get("targets") or {}).get("bff") or {}
        if "runs_p99_ms" not in bff:
            continue
        rss = ", ".join(f"{kb / 1024:.0f}" for kb in bff.get("rss_kb") or [])
        lines.append(
            f"- {row['name']}: calibration at half max took {bff.get('calibration_cpu_busy_pct')}% CPU -> paced at "
            f"{bff.get('rate_rps')} req/s; CPU % {bff.get('runs_cpu_busy_pct')}, others on its core % "
            f"{bff.get('runs_others_on_core_pct')}, load {bff.get('runs_loadavg')}, p99 {bff.get('runs_p99_ms')}; "
            f"RSS MB {rss}"
        )
    return lines


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"# Benchmark {report['date']} — profile `{report['profile']}`"
        + (f" — {report['label']}" if report["label"] else ""),
        "",
        f"Server pinned to CPU {m['server_cpu']} (uvicorn, {m.get('workers', 1)} worker(s), uvloop + httptools, "
        "no access log; more than one worker: not pinned); load "
        f"generator `{m['generator']}` on CPU {m['load_cpu']}, {m['connections']} connections; max throughput = "
        f"median of {m['runs']} runs of {m['seconds']}s; latency at a fixed rate: the one that keeps the "
        f"server's CPU {m.get('pace_cpu_share', 0.5):.0%} busy (a calibration run at half the max measures it; "
        "never above half the max), "
        f"{m.get('latency_runs', 1)} runs of {m['latency_seconds']}s after the server is idle, the run with the "
        "median p99 reported. Ratios are the numbers to read: absolute ones vary ±30% run to run.",
    ]
    if report.get("note"):
        lines += ["", f"**{report['note']}.**"]
    if report.get("bff_env"):
        lines += ["", f"BFF settings for this run: `{report['bff_env']}`"]
    for cat in report["catalogs"]:
        lines += ["", f"## Catalog: {cat['catalog']}", ""]
        if "skipped" in cat:
            lines.append(f"Skipped: {cat['skipped']}")
            continue
        lines += [
            cat["description"],
            "",
            "| scenario | BFF req/s | floor req/s | peer req/s | tuned peer req/s | × floor | × peer | × tuned "
            "| p50 / p90 / p99 ms paced | p99÷p50 | paced at req/s (server CPU %) | errors | bytes | backend calls "
            "| CPU ms/req (BFF / floor / peer / tuned) |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in cat["scenarios"]:
            if "skipped" in row:
                lines.append(f"| {row['name']} | skipped: {row['skipped']} |||||||||||")
                continue
            t = row["targets"]
            bff, floor, peer, tuned = t.get("bff", {}), t.get("floor", {}), t.get("peer", {}), t.get("tuned", {})
            calls = bff.get("backend_calls") or {}
            spread = bff["p99_ms"] / bff["p50_ms"] if bff.get("p50_ms") else None
            ref = (
                f" (of {floor.get('reference') or peer.get('reference')})"
                if (floor.get("reference") or peer.get("reference"))
                else ""
            )
            lines.append(
                f"| {row['name']}{' (GET, APQ)' if row['transport'] == 'get-persisted' else ''} "
                f"| {_fmt(bff.get('max_rps'))} | {_fmt(floor.get('max_rps'))}{ref} | {_fmt(peer.get('max_rps'))} "
                f"| {_fmt(tuned.get('max_rps'))} | {_fmt(row['ratios'].get('to_floor'))} "
                f"| {_fmt(row['ratios'].get('to_peer'))} | {_fmt(row['ratios'].get('to_tuned'))} "
                f"| {_fmt(bff.get('p50_ms'))} / {_fmt(bff.get('p90_ms'))} / {_fmt(bff.get('p99_ms'))} | {_fmt(spread)} "
                f"| {_fmt(bff.get('rate_rps'))} ({_busy(bff)}) "
                f"| {_errors(bff)} | {bff.get('response_bytes')} "
                f"| {calls.get('total')} ({', '.join(f'{k} {v}' for k, v in calls.items() if k != 'total')}) "
                f"| {_fmt(bff.get('cpu_ms_per_request'))} / {_fmt(floor.get('cpu_ms_per_request'))} "
                f"/ {_fmt(peer.get('cpu_ms_per_request'))} / {_fmt(tuned.get('cpu_ms_per_request'))} |"
            )
        notes = [f"- {r['name']}: {r['notes']}" for r in cat["scenarios"] if r.get("notes")]
        checks = []
        for r in cat["scenarios"]:
            if "floor_identical" in r:
                checks.append(f"- {r['name']}: floor body byte-identical to the BFF's: {r['floor_identical']}")
            for peer_name in ("peer", "tuned"):
                if f"{peer_name}_same_data" in r:
                    same = r[f"{peer_name}_same_data"]
                    checks.append(f"- {r['name']}: {peer_name} peer answers the same data: {same}")
            once = {t: m for t, m in r.get("targets", {}).items() if m and "runs_cut_short" in m}
            if once:
                shares = ", ".join(f"{t} {m['pool']} ({m['runs_cut_short']} cut short)" for t, m in once.items())
                checks.append(f"- {r['name']}: each request sent once; pool per target (runs it ended): {shares}")
            for problem in (r.get("targets", {}).get("bff", {}) or {}).get("problems", []):
                checks.append(f"- {r['name']}: PROBLEM {problem}")
        if "n_plus_one" in cat:
            checks.append(f"- N+1 check, home backend calls: {cat['n_plus_one']}")
        lines += ["", *notes, *checks]
        lines += _tails(cat)
        if "latency_profile" in cat:
            lines += latency.markdown(cat["latency_profile"])
        if "abuse" in cat:
            lines += abuse.markdown(cat["abuse"])
        if "incremental" in cat:
            lines += incremental.markdown(cat["incremental"])
    lines += ["", "## Targets", "", "| catalog | target | measured | met |", "|---|---|---|---|"]
    lines += [
        f"| {c['catalog']} | {c['target']} | {c['value']} | {'yes' if c['met'] else '**no**'} |"
        for c in report["targets"]
    ]
    return "\n".join(lines) + "\n"


def write(report: dict[str, Any], directory: Path = RESULTS) -> Path:
    report["targets"] = targets(report)
    directory.mkdir(parents=True, exist_ok=True)
    stem = time.strftime("%Y-%m-%d-%H%M") + (f"-{report['label']}" if report["label"] else "")
    (directory / f"{stem}.json").write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS))
    path = directory / f"{stem}.md"
    path.write_text(markdown(report))
    return path
