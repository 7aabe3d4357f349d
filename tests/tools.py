"""Finding the outside programs some tests drive (a browser, a Dockerfile linter).

Outside CI a missing program skips its test with the command that installs it; in CI (``CI`` set) it fails
the test: ``.ci/run`` installs every one of them, so a skip there would hide a test that never runs.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest


def require_tool(name: str, *alternatives: str, install: str) -> str:
    """The path of ``name`` (or an alternative name), looked up on PATH and beside the interpreter."""
    beside_python = Path(sys.executable).parent
    for candidate in (name, *alternatives):
        found = shutil.which(candidate) or shutil.which(candidate, path=str(beside_python))
        if found:
            return found
    message = f"{name} is not installed ({install})"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: CI must run this test")
    pytest.skip(message)
