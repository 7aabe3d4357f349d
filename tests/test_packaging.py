"""The distribution's metadata, and what the project's files may say about the machine they were made on."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Absolute paths that only make sense on one machine: a checkout, a home, a scratch folder.
MACHINE_PATH = re.compile(r"(?<![\w.~$-])/(?:work|tmp|home|root|Users|mnt|var/folders)/")


def tracked_files() -> list[Path]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
        ).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the project's files cannot be told from local ones")
    return [ROOT / name for name in listed if name and (ROOT / name).is_file()]


def test_licence_is_an_spdx_expression_the_build_backend_understands() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())

    licence = pyproject["project"]["license"]
    setuptools = next(r for r in pyproject["build-system"]["requires"] if r.startswith("setuptools"))

    # A table ({text = ...}) is deprecated and warns on every install; setuptools reads SPDX strings from 77 on.
    assert isinstance(licence, str) and re.fullmatch(r"[A-Za-z0-9.+-]+", licence), licence
    floor = re.search(r">=\s*(\d+)", setuptools)
    assert floor is not None and int(floor[1]) >= 77, setuptools


def test_no_file_names_an_absolute_path_of_this_machine() -> None:
    here = {str(ROOT), str(ROOT.parent)}
    offenders = []
    for path in tracked_files():
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATH.search(line) or any(f"{prefix}/" in line for prefix in here):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")

    assert not offenders, "\n".join(offenders)
