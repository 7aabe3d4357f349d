"""The ASL in ``infra/`` and the embedded state machine declare the same states, steps, retries and edges."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bff.domain.order_workflow import MACHINE, START, Choice, End, Task, transitions

ASL = Path(__file__).resolve().parents[1] / "infra" / "order-workflow.asl.json"


def _condition(rule: dict[str, Any]) -> tuple[str, str]:
    """(variable, value) of a choice rule: ``StringEquals``, or an ``And`` that guards it with ``IsPresent``."""
    for part in rule.get("And", [rule]):
        if "StringEquals" in part:
            return part["Variable"].removeprefix("$."), part["StringEquals"]
    raise AssertionError(f"unsupported choice rule {rule}")


def asl_transitions(asl: dict[str, Any]) -> set[tuple[str, str, str]]:
    edges: set[tuple[str, str, str]] = set()
    for name, state in asl["States"].items():
        if state["Type"] == "Task":
            edges.add((name, "next", state["Next"]))
            edges.update((name, "catch", c["Next"]) for c in state.get("Catch", []))
        elif state["Type"] == "Choice":
            for rule in state["Choices"]:
                variable, value = _condition(rule)
                edges.add((name, f"{variable}={value}", rule["Next"]))
            if "Default" in state:
                edges.add((name, "default", state["Default"]))
    return edges


def test_the_asl_has_the_embedded_machines_states_and_transitions() -> None:
    asl = json.loads(ASL.read_text())
    assert asl["StartAt"] == START
    assert set(asl["States"]) == set(MACHINE)
    assert asl_transitions(asl) == transitions(MACHINE)


def test_each_state_has_the_same_kind_step_retry_and_catch() -> None:
    states = json.loads(ASL.read_text())["States"]
    for name, state in MACHINE.items():
        declared = states[name]
        if isinstance(state, Task):
            assert declared["Type"] == "Task", name
            step_name = "".join(part.title() for part in state.step.split("_"))
            assert declared["Resource"] == "${" + step_name + "ActivityArn}", name
            [retry] = declared["Retry"]
            assert tuple(retry["ErrorEquals"]) == state.retry.errors, name
            assert retry["MaxAttempts"] == state.retry.max_attempts, name
            assert retry["IntervalSeconds"] == state.retry.interval_seconds, name
            assert retry["BackoffRate"] == state.retry.backoff_rate, name
            catches = declared.get("Catch", [])
            assert [c["ErrorEquals"] for c in catches] == ([["States.ALL"]] if state.catch else []), name
        elif isinstance(state, Choice):
            assert declared["Type"] == "Choice", name
        else:
            assert isinstance(state, End)
            assert declared["Type"] == ("Fail" if state.failed else "Succeed"), name


def test_every_state_is_reachable_and_every_edge_lands_on_a_state() -> None:
    edges = transitions(MACHINE)
    assert {target for _, _, target in edges} <= set(MACHINE)
    reached, frontier = {START}, [START]
    while frontier:
        here = frontier.pop()
        for source, _, target in edges:
            if source == here and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(MACHINE)
