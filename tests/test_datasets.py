"""``bff.datasets``: one place that finds the shared datasets, for tests and benchmarks alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from bff import datasets


def test_the_default_is_the_shared_folder_beside_the_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(datasets.ENV, raising=False)

    found = datasets.retail_demo_store()

    assert found == datasets.PROJECT_ROOT.parent / "shared" / "datasets" / "retail-demo-store"
    assert datasets.display(found / "products.yaml") == "../shared/datasets/retail-demo-store/products.yaml"


def test_the_environment_overrides_it_and_a_missing_one_says_how_to_fix_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(datasets.ENV, str(tmp_path))
    feed = datasets.retail_demo_store() / "products.yaml"

    reason = datasets.missing(feed)
    feed.parent.mkdir()
    feed.write_text("[]")

    assert feed.is_relative_to(tmp_path)
    assert reason is not None and datasets.ENV in reason
    assert str(tmp_path) not in reason
    assert datasets.missing(feed) is None
