"""A request's loaders are made on first use: the ones it never asks for cost nothing, the ones it does
batch and release as before."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from bff.backends.registry import build_backends
from loaders import DataLoaders
from tests.conftest import make_settings

pytestmark = pytest.mark.asyncio


async def test_each_loader_is_made_on_first_use_once_and_released(seeded_dir: Path) -> None:
    async with build_backends(make_settings(seeded_dir)) as backends:
        loaders = DataLoaders.build(backends)
        assert not [name for name in vars(loaders) if not name.startswith("_")]  # nothing made yet

        first = loaders.product_by_handle
        assert loaders.product_by_handle is first  # made once, then an ordinary attribute
        assert [name for name in vars(loaders) if not name.startswith("_")] == ["product_by_handle"]

        assert await first.load("no-such-handle") is None
        assert first._cache  # the answer is held for the request ...
        loaders.release()
        assert not first._cache  # ... and let go of when it ends


async def test_every_declared_loader_is_made_as_its_declared_type(seeded_dir: Path) -> None:
    async with build_backends(make_settings(seeded_dir)) as backends:
        loaders = DataLoaders.build(backends)
        declared = typing.get_type_hints(DataLoaders)
        assert len(declared) == 13
        for name, kind in declared.items():
            assert isinstance(getattr(loaders, name), kind), name
        with pytest.raises(AttributeError):
            loaders.no_such_loader  # noqa: B018
        loaders.release()
