"""Where the shared datasets are: ``../shared/datasets`` beside the project, or ``BFF_DATASETS_DIR``.

They are real catalogs (the AWS retail-demo-store's 2,465 products) for import tests, relevance checks and
benchmarks. They are not part of the project: tests that need one skip with :func:`missing` as the reason,
and reports name them by :func:`display`, never by where they sit on one machine.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV = "BFF_DATASETS_DIR"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
RETAIL_DEMO_STORE = "retail-demo-store"


def datasets_dir() -> Path:
    """The folder holding one folder per dataset."""
    override = os.environ.get(ENV)
    return Path(override) if override else PROJECT_ROOT.parent / "shared" / "datasets"


def retail_demo_store() -> Path:
    """The retail-demo-store dataset's folder (``products.yaml``, ``categories.yaml``)."""
    return datasets_dir() / RETAIL_DEMO_STORE


def missing(path: Path) -> str | None:
    """Why ``path`` cannot be used (a skip reason), or ``None`` when it is there."""
    if path.exists():
        return None
    return f"{display(path)} not found: put the shared datasets at ../shared/datasets or set {ENV}"


def display(path: Path) -> str:
    """``path`` as a report may print it: relative to the project when it is near it, else its last parts."""
    resolved = path.resolve()
    if resolved.is_relative_to(PROJECT_ROOT.parent):
        return os.path.relpath(resolved, PROJECT_ROOT)
    base = datasets_dir().resolve()
    if resolved.is_relative_to(base):
        return f"${ENV}/{resolved.relative_to(base)}"
    return path.name
