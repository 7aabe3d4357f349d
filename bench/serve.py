"""Serve one benchmark target with uvicorn: ``python -m bench.serve bff|floor|peer|tuned PORT [WORKERS]``.

One worker unless WORKERS says more (uvicorn's worker processes), uvloop + httptools, no access log;
settings come from the ``BFF_*`` environment like the app's.
``BENCH_GC_FREEZE=1`` moves everything alive after start-up out of the collector's reach (``gc.freeze``).
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Any

import uvicorn

FACTORIES = {
    "bff": "bff.app:create_app",
    "floor": "bench.floor:create_floor",
    "peer": "bench.peer:create_peer",
    "tuned": "bench.peer_tuned:create_tuned_peer",
}


def build(target: str) -> Any:
    if target == "bff":
        from bff.app import create_app

        return create_app()
    if target == "floor":
        from bench.floor import create_floor

        return create_floor()
    if target == "peer":
        from bench.peer import create_peer

        return create_peer()
    if target == "tuned":
        from bench.peer_tuned import create_tuned_peer

        return create_tuned_peer()
    raise SystemExit(f"unknown target {target!r}")


def main() -> None:
    target, port = sys.argv[1], int(sys.argv[2])
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    if workers > 1:  # uvicorn's worker processes each import the app themselves
        uvicorn.run(
            FACTORIES[target],
            factory=True,
            workers=workers,
            host="127.0.0.1",
            port=port,
            loop="uvloop",
            http="httptools",
            access_log=False,
            log_level="warning",
        )
        return
    app = build(target)
    if os.environ.get("BENCH_GC_FREEZE") == "1":
        gc.collect()
        gc.freeze()
    uvicorn.run(
        app, host="127.0.0.1", port=port, loop="uvloop", http="httptools", access_log=False, log_level="warning"
    )


if __name__ == "__main__":
    main()
