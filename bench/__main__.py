"""``python -m bench [--profile local|aws-local] [--scenario NAME...] [--catalog generated|retail] [--quick]``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bench import report, runner
from bench.scenarios import load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--profile",
        choices=["local", "aws-local"],
        default="local",
        help="local: embedded backends; aws-local: DynamoDB + Redis stand-ins (moto, redis-server)",
    )
    parser.add_argument("--scenario", action="append", dest="scenarios", help="run only these (repeatable)")
    parser.add_argument("--catalog", action="append", dest="catalogs", choices=["generated", "retail"])
    parser.add_argument("--products", type=int, default=1000, help="size of the generated catalog")
    parser.add_argument("--target", action="append", dest="targets", choices=["bff", "floor", "peer", "tuned"])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each max-throughput run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--latency-seconds", type=float, default=6.0)
    parser.add_argument("--latency-runs", type=int, default=3, help="paced runs; the one with the median p99 counts")
    parser.add_argument(
        "--connections",
        type=int,
        help="concurrent connections (default 32; 4 with --profile aws-local, whose moto server is one Python process)",
    )
    parser.add_argument(
        "--pace-cpu-share",
        type=float,
        default=0.5,
        help="paced runs at the rate that keeps the server's CPU this busy (0: at half the max)",
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes of the BFF")
    parser.add_argument(
        "--no-latency-profile",
        action="store_true",
        help="skip the latency-injection profile (every port call delayed) after each catalog",
    )
    parser.add_argument(
        "--latency-only",
        action="store_true",
        help="only the latency-injection profile (the BFF alone, no throughput or paced runs before it)",
    )
    parser.add_argument("--generator", choices=["auto", "wrk", "asyncio"], default="auto")
    parser.add_argument("--quick", action="store_true", help="short runs (a sanity check, not a measurement)")
    parser.add_argument("--set", action="append", default=[], metavar="BFF_X=V", help="BFF setting for this run")
    parser.add_argument("--label", default="", help="suffix of the report's file name")
    parser.add_argument(
        "--abuse", action="store_true", help="also send the abusive requests (bench/abuse.py) and report their cost"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    options = runner.Options(
        profile=args.profile,
        catalogs=tuple(args.catalogs or ("generated", "retail")),
        products=args.products,
        scenarios=args.scenarios,
        targets=("bff",) if args.latency_only else tuple(args.targets or ("bff", "floor", "peer", "tuned")),
        pace_cpu_share=args.pace_cpu_share,
        workers=args.workers,
        latency_profile=args.latency_only or not args.no_latency_profile,
        latency_only=args.latency_only,
        seconds=args.seconds,
        runs=args.runs,
        latency_seconds=args.latency_seconds,
        latency_runs=args.latency_runs,
        connections=args.connections or (4 if args.profile == "aws-local" else 32),
        generator=args.generator,
        env=dict(item.split("=", 1) for item in args.set),
        label=args.label or ("aws-local" if args.profile == "aws-local" else ""),
        abuse=args.abuse,
        incremental=not args.latency_only and (not args.scenarios or "home_deferred" in args.scenarios),
    )
    if args.quick:
        options.quick = True
        options.warmup, options.seconds, options.runs, options.latency_seconds, options.latency_runs = (
            1.0,
            2.0,
            1,
            3.0,
            1,
        )
        options.calibration_seconds = 1.0
    result = asyncio.run(runner.run(options, load(args.scenarios)))
    path = report.write(result)
    sys.stdout.write(path.read_text())
    print(f"\nreport: {path} (+ .json)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
