"""``AppState``: what lives for the app's lifetime (settings, open backends, signing keys)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import Response

from bff.backends.registry import Backends
from bff.cursors import CursorCodec
from bff.settings import Settings


@dataclass(slots=True)
class AppState:
    settings: Settings
    backends: Backends
    cursors: CursorCodec
    graphiql_page: Callable[[], Response]
