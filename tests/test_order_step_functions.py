"""Step Functions activity workers run the project's steps (moto's server does not serve activity tasks, so
the Stubber checks the requests against the service model): a polled task is run and answered with the step's
output, a retryable failure is reported as ``StepTransient`` for the ASL's ``Retry``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aioboto3
import pytest
from botocore.stub import ANY, Stubber

from bff.backends.local.sandbox_payments import TRANSIENT
from bff.backends.sfn_activities import StepFunctionsActivities
from bff.domain.orders import OrderStatus
from bff.services.order_activities import run_task
from tests.order_fixtures import Workflow, embedded_workflow, make_order

ARN = "arn:aws:states:us-east-1:123456789012:activity:AuthorizePayment"
TOKEN = "t" * 64


@pytest.fixture
async def activities(tmp_path: Path) -> AsyncIterator[tuple[StepFunctionsActivities, Stubber, Workflow]]:
    async with aioboto3.Session().client("stepfunctions", region_name="us-east-1") as sfn:
        with Stubber(sfn) as stub:
            async with embedded_workflow(tmp_path) as flow:
                yield StepFunctionsActivities(sfn, {"authorize_payment": ARN}), stub, flow


async def test_a_polled_task_runs_its_step_and_answers_its_output(activities: Any) -> None:
    tasks, stub, flow = activities
    order = await flow.place(make_order())
    task_input = json.dumps({"orderId": order.id, "review": "NONE", "outcome": "APPROVE"})
    stub.add_response(
        "get_activity_task", {"taskToken": TOKEN, "input": task_input}, {"activityArn": ARN, "workerName": "w1"}
    )
    stub.add_response("send_task_success", {}, {"taskToken": TOKEN, "output": ANY})

    polled = await tasks.poll("authorize_payment", "w1")
    assert polled is not None
    await run_task(tasks, flow.steps.authorize_payment, *polled, beat=60)

    stub.assert_no_pending_responses()
    assert await flow.status(order.id) == OrderStatus.PAID


async def test_a_retryable_failure_is_reported_as_step_transient(activities: Any) -> None:
    tasks, stub, flow = activities
    order = await flow.place(make_order(token=TRANSIENT))
    stub.add_response("send_task_failure", {}, {"taskToken": TOKEN, "error": "StepTransient", "cause": ANY})

    await run_task(tasks, flow.steps.authorize_payment, TOKEN, {"orderId": order.id}, beat=60)

    stub.assert_no_pending_responses()
    assert await flow.status(order.id) == OrderStatus.PENDING


async def test_no_task_within_the_long_poll_is_none(activities: Any) -> None:
    tasks, stub, _ = activities
    stub.add_response("get_activity_task", {}, {"activityArn": ARN, "workerName": "w1"})

    assert await tasks.poll("authorize_payment", "w1") is None
