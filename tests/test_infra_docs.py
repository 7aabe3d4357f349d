"""docs/deploy.md matches the templates: every stack, every parameter and each capability policy's actions."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest

pytest.importorskip("cfnlint", reason="cfn-lint is not installed (pip install -e '.[dev]')")
from cfnlint.decode import decode

from tests.test_iam_policies import granted_actions, load_template, managed_policies

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "deploy.md").read_text()
TEMPLATES = sorted((ROOT / "infra").glob("*.yaml"))


def named_in_doc() -> set[str]:
    return set(re.findall(r"`([^`\s]+)`", DOC))


def test_every_template_is_a_stack_in_the_doc() -> None:
    stacks = re.findall(r"^\| \d \| `([\w/.-]+\.yaml)` \|", DOC, re.MULTILINE)

    assert sorted(stacks) == sorted([t.name for t in TEMPLATES] + ["bot/assistant.yaml"])


def test_every_parameter_of_every_template_is_in_the_doc() -> None:
    names = named_in_doc()
    missing = {}
    for path in TEMPLATES:
        template, errors = decode(str(path))
        assert not errors and template is not None
        undocumented = [p for p in template.get("Parameters", {}) if not any(fnmatch.fnmatchcase(p, n) for n in names)]
        if undocumented:
            missing[path.name] = undocumented

    assert missing == {}


def test_the_iam_table_lists_each_policys_actions() -> None:
    policies = managed_policies(load_template())
    rows = re.findall(r"^\| (`\w+Policy`.*?) \| (.*?) \|", DOC, re.MULTILINE)
    documented: dict[str, set[str]] = {}
    for names, actions in rows:
        listed: set[str] = set()
        for group in re.findall(r"`([a-z0-9-]+:[^`]+)`", actions):
            prefix = group.split(":", 1)[0]
            listed |= {a if ":" in a else f"{prefix}:{a}" for a in re.split(r",\s*", group)}
        for name in re.findall(r"`(\w+Policy)`", names):
            documented[name] = {
                a for a in listed if a.split(":")[0] in {g.split(":")[0] for g in granted_actions(policies[name])}
            }

    assert set(documented) == set(policies)
    for name, policy in policies.items():
        if name == "TelemetryPolicy":
            continue  # described, not listed
        assert documented[name] == granted_actions(policy), name
