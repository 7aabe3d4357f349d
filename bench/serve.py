"""Serve one benchmark target with uvicorn: ``python -m bench.serve bff|floor|peer PORT``.

One worker, uvloop + httptools, no access log; settings come from the ``BFF_*`` environment like the app's.
``BENCH_GC_FREEZE=1`` moves everything alive after start-up out of the collector's reach (``gc.freeze``).
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Any

import uvicorn


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
    raise SystemExit(f"unknown target {target!r}")


def main() -> None:
    target, port = sys.argv[1], int(sys.argv[2])
    app = build(target)
    if os.environ.get("BENCH_GC_FREEZE") == "1":
        gc.collect()
        gc.freeze()
    uvicorn.run(
        app, host="127.0.0.1", port=port, loop="uvloop", http="httptools", access_log=False, log_level="warning"
    )


if __name__ == "__main__":
    main()
