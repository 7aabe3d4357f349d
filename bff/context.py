"""The per-request ``Context``: settings, backends, fresh DataLoaders and who is asking."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from bff.backends.registry import Backends
from bff.cursors import CursorCodec
from bff.domain.identity import Identity
from bff.settings import Settings
from loaders import DataLoaders


@dataclass(slots=True)
class Context:
    settings: Settings
    backends: Backends
    loaders: DataLoaders
    cursors: CursorCodec
    # The verified caller, or None for an anonymous one (see bff/authentication.py).
    user: Identity | None = None
    request_id: str = "-"


Info = strawberry.Info[Context, None]
