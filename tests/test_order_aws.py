"""The order workflow's AWS adapters against moto's server (SQS FIFO, Step Functions, SNS) and the SageMaker
risk adapter against botocore's Stubber (SageMaker runtime has no stand-in)."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aioboto3
import pytest
from botocore.stub import Stubber

from bff.backends.aws_order_workflow import AwsOrderWorkflow, deduplication_id
from bff.backends.sagemaker_risk import SageMakerRiskAssessor
from bff.backends.sns_notifier import SnsNotifier
from bff.domain.order_workflow import MACHINE
from bff.domain.orders import OrderStatus
from bff.domain.risk import CustomerHistory, RiskDecision
from bff.services.order_steps import OrderSteps
from tests.order_fixtures import ABROAD, HOME, embedded_workflow, make_order
from tests.test_order_workflow_contract import ASL

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/order-workflow"
NO_HISTORY = CustomerHistory(orders=0, largest_total=Decimal(0), recent_orders=0, recent_orders_from_address=0)


async def _client(service: str, endpoint: str | None) -> Any:
    return aioboto3.Session().client(service, region_name=REGION, endpoint_url=endpoint)


@pytest.fixture
async def workflow(aws: str) -> AsyncIterator[tuple[AwsOrderWorkflow, Any, str]]:
    async with await _client("sqs", aws) as sqs, await _client("stepfunctions", aws) as sfn:
        queue = await sqs.create_queue(
            QueueName="orders.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "false"}
        )
        arns = {
            f"{''.join(p.title() for p in t.step.split('_'))}ActivityArn": ""
            for t in MACHINE.values()
            if hasattr(t, "step")
        }
        for name in arns:
            arns[name] = (await sfn.create_activity(name=name.removesuffix("ActivityArn")))["activityArn"]
        definition = ASL.read_text()
        for name, arn in arns.items():
            definition = definition.replace("${" + name + "}", arn)
        machine = await sfn.create_state_machine(name="orders", definition=definition, roleArn=ROLE)
        yield AwsOrderWorkflow(sqs, sfn, queue["QueueUrl"], machine["stateMachineArn"]), sqs, queue["QueueUrl"]


async def test_an_order_goes_to_the_fifo_queue_grouped_by_order_and_deduplicated_by_key(workflow: Any) -> None:
    adapter, sqs, queue_url = workflow
    order = make_order()

    await adapter.start(order)
    await adapter.start(order)  # a retried checkout with the same idempotency key
    received = await sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=10,
        AttributeNames=["MessageGroupId", "MessageDeduplicationId"],
        MessageAttributeNames=["All"],
    )

    [message] = received["Messages"]
    assert message["Attributes"]["MessageGroupId"] == order.id
    assert message["Attributes"]["MessageDeduplicationId"] == deduplication_id(order.idempotency_key)
    assert message["MessageAttributes"]["eventType"]["StringValue"] == "OrderPlaced"
    assert message["MessageAttributes"]["orderId"]["StringValue"] == order.id
    body = json.loads(message["Body"])
    assert body["orderId"] == order.id and body["total"] == "20.00"


async def test_the_execution_is_named_after_the_order_so_a_retry_starts_no_second_one(workflow: Any) -> None:
    adapter, _, _ = workflow
    order = make_order()

    await adapter.start(order)
    await adapter.start(order)
    executions = await adapter.sfn.list_executions(stateMachineArn=adapter.state_machine_arn)

    assert [e["name"] for e in executions["executions"]] == [order.id]
    described = await adapter.sfn.describe_execution(executionArn=executions["executions"][0]["executionArn"])
    assert json.loads(described["input"]) == {"orderId": order.id, "review": "NONE"}


async def test_every_status_change_is_published_to_the_topic(aws: str, tmp_path: Any) -> None:
    async with await _client("sns", aws) as sns, await _client("sqs", aws) as sqs:
        topic = (await sns.create_topic(Name="order-status"))["TopicArn"]
        queue_url = (await sqs.create_queue(QueueName="status-tap"))["QueueUrl"]
        queue_arn = (await sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"]))["Attributes"][
            "QueueArn"
        ]
        await sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        async with embedded_workflow(tmp_path) as flow:
            flow.worker.steps = OrderSteps(
                flow.orders, flow.payments, flow.steps.risk, SnsNotifier(sns, topic)
            ).by_name()
            order = await flow.place(make_order())
            await flow.worker.drain()
        received = await sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)

    published = [json.loads(json.loads(m["Body"])["Message"]) for m in received["Messages"]]
    assert [(p["orderId"], p["status"]) for p in published] == [
        (order.id, OrderStatus.PAID.value),
        (order.id, OrderStatus.FULFILLED.value),
    ]


@pytest.fixture
async def sagemaker() -> AsyncIterator[tuple[SageMakerRiskAssessor, Stubber]]:
    async with await _client("sagemaker-runtime", None) as client:
        with Stubber(client) as stub:
            yield SageMakerRiskAssessor(client, "fraud-scorer", deny_threshold=0.9, review_threshold=0.6), stub


class _Body:
    """What aiobotocore answers for a streaming body: ``await body.read()``."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    async def read(self) -> bytes:
        return self._data.read()


@pytest.mark.parametrize(
    ("score", "decision"),
    [(b"0.12", RiskDecision.APPROVE), (b"0.75\n", RiskDecision.REVIEW), (b'{"score": 0.97}', RiskDecision.DENY)],
)
async def test_the_sagemaker_adapter_scores_the_orders_features(
    sagemaker: tuple[SageMakerRiskAssessor, Stubber], score: bytes, decision: RiskDecision
) -> None:
    assessor, stub = sagemaker
    order = make_order(email="x@mailinator.com", billing=ABROAD, shipping=HOME)
    # order total, lines, earlier orders, largest, recent, recent from address, country mismatch, disposable
    expected = {
        "EndpointName": "fraud-scorer",
        "ContentType": "text/csv",
        "Accept": "text/csv",
        "Body": b"20,1,0,0,0,0,1,1",
    }
    stub.add_response("invoke_endpoint", {"Body": _Body(score), "ContentType": "text/csv"}, expected)

    assessment = await assessor.assess(order, NO_HISTORY)

    stub.assert_no_pending_responses()
    assert assessment.decision == decision
    assert bool(assessment.reasons) == (decision != RiskDecision.APPROVE)


async def test_a_failing_endpoint_is_a_retryable_unavailability(
    sagemaker: tuple[SageMakerRiskAssessor, Stubber],
) -> None:
    from bff.errors import ServiceUnavailable

    assessor, stub = sagemaker
    stub.add_client_error("invoke_endpoint", "ModelError", "the model failed", 424)

    with pytest.raises(ServiceUnavailable):
        await assessor.assess(make_order(), NO_HISTORY)
