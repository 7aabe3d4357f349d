"""Logging set-up: readable lines on a terminal, one JSON object per line in production (with the trace id)."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

import orjson

from bff.tracing import log_ids

# The request being served (``bff.middleware.RequestIdMiddleware`` sets it): adapters log causes with it, and
# JSON log lines carry it, so a client's ``x-request-id`` finds the server-side story of its error.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str:
    return request_id.get() or "-"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id.get()
        if rid is not None:
            entry["request_id"] = rid
        ids = log_ids()
        if ids is not None:
            entry["trace_id"], entry["span_id"] = ids
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure_logging(level: str, *, json: bool) -> None:
    """Give the app's loggers a handler unless the host (a test runner, a platform) already set one up."""
    logger = logging.getLogger("bff")
    logger.setLevel(level.upper())
    if logging.getLogger().handlers or logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if json else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    logger.addHandler(handler)
