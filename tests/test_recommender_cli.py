"""`bff seed` writes a shopping history and builds the model; `bff recommender rebuild` refits it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bff.cli import app as cli


def test_seed_writes_a_history_once_and_rebuild_refits_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BFF_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BFF_ENV", "test")
    runner = CliRunner()

    seeded = runner.invoke(cli, ["seed", "--products", "40", "--seed", "3"])
    assert seeded.exit_code == 0, seeded.output
    found = re.search(r"seeded (\d+) shopper interactions and built the recommendation model", seeded.output)
    assert found is not None, seeded.output

    again = runner.invoke(cli, ["seed", "--products", "40", "--seed", "3", "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "interaction history already present" in again.output

    rebuilt = runner.invoke(cli, ["recommender", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert f"model built from {found[1]} interactions" in rebuilt.output
