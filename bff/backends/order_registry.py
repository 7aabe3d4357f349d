"""Opening the order capabilities from settings (part of the composition root, ``bff.backends.registry``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bff.backends.notifications import NOTIFIER, LogNotifier, Notifier
from bff.backends.order_events import PurchaseListener
from bff.backends.order_workflow import WORKFLOW, EmbeddedOrderWorkflow, OrderWorkflow
from bff.backends.orders import ORDERS, OrderStore, RunQueue
from bff.backends.payments import PAYMENTS, PaymentGateway
from bff.backends.policy import policy_for
from bff.backends.ports import PortSpec, instrument
from bff.backends.risk import RISK, RiskAssessor
from bff.backends.sfn_activities import ACTIVITIES, ActivityTasks
from bff.backends.status_feed import FEED, MemoryStatusFeed, RedisStatusFeed, StatusFeed
from bff.settings import CallPolicy, Settings


class _Closeable(Protocol):
    async def close(self) -> None: ...


P = TypeVar("P", bound=_Closeable)


@dataclass(slots=True)
class OrderBackends:
    orders: OrderStore
    # The embedded workflow's runs (None when Step Functions runs the workflow).
    runs: RunQueue | None
    workflow: OrderWorkflow
    # Set for the embedded workflow: checkout's `start` wakes the in-process workers through it.
    embedded_workflow: EmbeddedOrderWorkflow | None
    payments: PaymentGateway
    risk: RiskAssessor
    notifier: Notifier
    # Status changes fanned out to `orderStatusChanged` subscribers (Redis pub/sub with the Redis cache).
    feed: StatusFeed
    # Told of every order checkout places (the recommender subscribes here); in order, after the commit.
    purchase_listeners: tuple[PurchaseListener, ...] = ()
    # Rewrites the products whose availability an order's reservation or release made cross zero (the
    # catalog's ``refresh_availability``, with its listeners); set by the composition root.
    availability: Callable[[Sequence[str]], Awaitable[object]] | None = None


async def _orders(settings: Settings, stack: AsyncExitStack) -> tuple[OrderStore, RunQueue | None]:
    """The order store beside the catalog, and the embedded workflow's runs (in the data dir's SQLite file)."""
    orders: OrderStore
    if settings.catalog_backend == "dynamodb":
        from bff.backends.dynamodb_orders import DynamoOrderStore

        policy = policy_for(settings, ORDERS.capability, remote=True)
        orders = await DynamoOrderStore.open(
            settings.dynamodb_table, settings.aws_region, settings.aws_endpoint_url, policy=policy
        )
    else:
        from bff.backends.local.sqlite_orders import SqliteOrderStore

        orders = await SqliteOrderStore.open(settings.orders_db_path)
    stack.push_async_callback(orders.close)
    runs = None
    if settings.order_workflow_backend == "embedded":
        from bff.backends.local.sqlite_order_runs import SqliteRunQueue

        runs = await SqliteRunQueue.open(settings.orders_db_path)
        stack.push_async_callback(runs.close)
    return orders, runs


def _order_policy(settings: Settings) -> CallPolicy:
    """The orders' call policy at the boundary: on DynamoDB its client makes the attempts, so one here."""
    policy = policy_for(settings, ORDERS.capability, remote=settings.catalog_backend != "sqlite")
    return policy.model_copy(update={"attempts": 1}) if settings.catalog_backend == "dynamodb" else policy


async def _payments(settings: Settings) -> PaymentGateway:
    from bff.backends.local.sandbox_payments import SandboxPaymentGateway

    return await SandboxPaymentGateway.open(
        settings.payments_sandbox_db_path, timeout_seconds=settings.payment_sandbox_timeout_seconds
    )


async def _risk(settings: Settings) -> RiskAssessor:
    if settings.risk_backend == "sagemaker" and settings.risk_sagemaker_endpoint:
        from bff.backends.sagemaker_risk import SageMakerRiskAssessor

        return await SageMakerRiskAssessor.open(
            settings.risk_sagemaker_endpoint,
            settings.risk_deny_threshold,
            settings.risk_review_threshold,
            settings.aws_region,
            settings.aws_endpoint_url,
        )
    from bff.backends.local.rules_risk import RulesRiskAssessor

    return RulesRiskAssessor()


async def _notifier(settings: Settings) -> Notifier:
    if settings.notifier_backend == "sns" and settings.order_topic_arn:
        from bff.backends.sns_notifier import SnsNotifier

        return await SnsNotifier.open(settings.order_topic_arn, settings.aws_region, settings.aws_endpoint_url)
    return LogNotifier()


def _feed(settings: Settings) -> StatusFeed:
    if settings.cache_backend == "redis" and settings.redis_url:
        return RedisStatusFeed.from_url(settings.redis_url)
    return MemoryStatusFeed()


async def _workflow(settings: Settings, runs: RunQueue | None) -> tuple[OrderWorkflow, EmbeddedOrderWorkflow | None]:
    if runs is None and settings.order_queue_url and settings.order_state_machine_arn:
        from bff.backends.aws_order_workflow import AwsOrderWorkflow

        workflow = await AwsOrderWorkflow.open(
            settings.order_queue_url, settings.order_state_machine_arn, settings.aws_region, settings.aws_endpoint_url
        )
        return workflow, None
    assert runs is not None, "the embedded workflow keeps its runs"
    embedded = EmbeddedOrderWorkflow(runs)
    return embedded, embedded


async def open_order_backends(settings: Settings, stack: AsyncExitStack) -> OrderBackends:
    """Every order capability, each behind the port boundary; closed by ``stack``."""

    def boundary(adapter: P, spec: PortSpec[P], remote: bool) -> P:
        wrapped = instrument(adapter, spec, policy_for(settings, spec.capability, remote=remote), histograms=False)
        stack.push_async_callback(wrapped.close)
        return wrapped

    orders, runs = await _orders(settings, stack)
    workflow, embedded = await _workflow(settings, runs)
    return OrderBackends(
        orders=instrument(orders, ORDERS, _order_policy(settings)),
        runs=runs,
        workflow=boundary(workflow, WORKFLOW, embedded is None),
        embedded_workflow=embedded,
        payments=boundary(await _payments(settings), PAYMENTS, False),
        risk=boundary(await _risk(settings), RISK, settings.risk_backend != "rules"),
        notifier=boundary(await _notifier(settings), NOTIFIER, settings.notifier_backend != "log"),
        feed=boundary(_feed(settings), FEED, settings.cache_backend == "redis"),
    )


async def open_activities(settings: Settings, stack: AsyncExitStack) -> ActivityTasks:
    """The Step Functions activities ``bff worker`` polls when the workflow runs in AWS."""
    from bff.backends.sfn_activities import StepFunctionsActivities

    activities = await StepFunctionsActivities.open(
        settings.order_activity_arns, settings.aws_region, settings.aws_endpoint_url
    )
    policy = policy_for(settings, ACTIVITIES.capability, remote=True)
    # A poll is held open up to a minute by the service: no deadline on it.
    policy = policy.model_copy(update={"timeout_seconds": None})
    wrapped = instrument(activities, ACTIVITIES, policy)
    stack.push_async_callback(wrapped.close)
    return wrapped
