"""Each capability's IAM policy in infra/service.yaml allows exactly the AWS API calls its adapters make.

The calls are read from the adapters' source (tests/iam_calls.py); the grants from the template's managed
policies, every conditional branch included (an optional capability's policy as when it is turned on). A
missing action is a call that would fail with AccessDenied in AWS; an extra one is a grant no code uses.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("cfnlint", reason="cfn-lint is not installed (pip install -e '.[dev]')")
from cfnlint.decode import decode

from tests.iam_calls import (
    Module,
    adapter_modules,
    aws_services,
    dax_actions,
    opensearch_actions,
    read_module,
    service_actions,
)

TEMPLATE = Path(__file__).resolve().parents[1] / "infra" / "service.yaml"
# Table administration (CreateTable, TTL, backups) is `bff aws-local`'s and `bff dynamodb create-table`'s;
# in AWS the data stack creates the table, so no task role may do it.
TABLE_ADMINISTRATION = {"bff.backends.dynamodb_admin"}


def module(name: str) -> Module:
    return adapter_modules()[f"bff.backends.{name}"]


def table_modules() -> list[Module]:
    return [m for m in adapter_modules().values() if "dynamodb" in m.services and m.name not in TABLE_ADMINISTRATION]


def search_modules() -> list[Module]:
    return [m for m in adapter_modules().values() if "opensearch" in m.services]


# Each capability's policy -> the actions its adapters' calls need, and the (module, service) pairs it covers.
CAPABILITIES: dict[str, tuple[Callable[[], set[str]], Callable[[], set[tuple[str, str]]]]] = {
    "TablePolicy": (
        lambda: service_actions(table_modules(), "dynamodb"),
        lambda: {(m.name, "dynamodb") for m in table_modules()},
    ),
    "DaxPolicy": (
        lambda: dax_actions(service_actions(table_modules(), "dynamodb")),
        lambda: {("bff.backends.dax", "dax")},
    ),
    "OrderWorkflowPolicy": (
        lambda: (
            service_actions([module("aws_order_workflow")], "sqs")
            | service_actions([module("aws_order_workflow")], "stepfunctions")
        ),
        lambda: {("bff.backends.aws_order_workflow", "sqs"), ("bff.backends.aws_order_workflow", "stepfunctions")},
    ),
    "OrderActivitiesPolicy": (
        lambda: service_actions([module("sfn_activities")], "stepfunctions"),
        lambda: {("bff.backends.sfn_activities", "stepfunctions")},
    ),
    "OrderNotificationsPolicy": (
        lambda: service_actions([module("sns_notifier")], "sns"),
        lambda: {("bff.backends.sns_notifier", "sns")},
    ),
    "SearchPolicy": (
        lambda: opensearch_actions(search_modules()),
        lambda: {(m.name, "opensearch") for m in search_modules()},
    ),
    "RecommendationsPolicy": (
        lambda: (
            service_actions([module("personalize")], "personalize-runtime")
            | service_actions([module("personalize")], "personalize-events")
        ),
        lambda: {
            ("bff.backends.personalize", "personalize-runtime"),
            ("bff.backends.personalize", "personalize-events"),
        },
    ),
    "GeocodingPolicy": (
        lambda: service_actions([module("location_service")], "geo-places"),
        lambda: {("bff.backends.location_service", "geo-places")},
    ),
    "RoutesPolicy": (
        lambda: service_actions([module("location_service")], "geo-routes"),
        lambda: {("bff.backends.location_service", "geo-routes")},
    ),
    "AssistantPolicy": (
        lambda: service_actions([module("lex")], "lexv2-runtime"),
        lambda: {("bff.backends.lex", "lexv2-runtime")},
    ),
    "RiskPolicy": (
        lambda: service_actions([module("sagemaker_risk")], "sagemaker-runtime"),
        lambda: {("bff.backends.sagemaker_risk", "sagemaker-runtime")},
    ),
}

# Policies that are no adapter's calls, with exactly what they may allow.
NOT_ADAPTER_CALLS = {
    # SQS encrypts a message under the customer-managed key on its sender's behalf.
    "DataKeyPolicy": {"kms:GenerateDataKey", "kms:Decrypt"},
    # The OpenTelemetry collector beside each task: traces to X-Ray, metrics as embedded-metric logs.
    "TelemetryPolicy": {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogStreams",
    },
    # The one-off `bff import` task downloads its feed first.
    "ImportFeedsPolicy": {"s3:GetObject"},
}

# What each kind of task runs, hence the policies its role attaches.
ROLES = {
    # A request reaches every capability but the workflow's steps (run by the worker).
    "ServiceTaskRole": set(CAPABILITIES) - {"OrderActivitiesPolicy", "RiskPolicy"}
    | {"DataKeyPolicy", "TelemetryPolicy"},
    # The steps move orders in the table, screen risk, publish status changes; a cancel gives units back,
    # which the catalog's listeners write to the search index.
    "WorkerTaskRole": {
        "TablePolicy",
        "DaxPolicy",
        "OrderActivitiesPolicy",
        "OrderNotificationsPolicy",
        "SearchPolicy",
        "RiskPolicy",
        "DataKeyPolicy",
        "TelemetryPolicy",
    },
    # bff import / reindex / replay: the catalog and the search index.
    "OpsTaskRole": {
        "TablePolicy",
        "DaxPolicy",
        "SearchPolicy",
        "ImportFeedsPolicy",
        "DataKeyPolicy",
        "TelemetryPolicy",
    },
}


def load_template() -> dict[str, Any]:
    template, errors = decode(str(TEMPLATE))
    assert not errors, errors
    assert template is not None
    return dict(template)


def every_branch(node: Any) -> list[Any]:
    """The values a template node may take, with each ``Fn::If`` as both its branches (AWS::NoValue dropped)."""
    if isinstance(node, dict) and set(node) == {"Fn::If"}:
        return [v for branch in node["Fn::If"][1:] for v in every_branch(branch)]
    if isinstance(node, dict) and node == {"Ref": "AWS::NoValue"}:
        return []
    if isinstance(node, list):
        return [v for item in node for v in every_branch(item)]
    return [node]


def granted_actions(policy: dict[str, Any]) -> set[str]:
    actions: set[str] = set()
    for statement in every_branch(policy["Properties"]["PolicyDocument"]["Statement"]):
        assert statement["Effect"] == "Allow", statement
        assert "NotAction" not in statement and "NotResource" not in statement, statement
        action = statement["Action"]
        actions.update([action] if isinstance(action, str) else action)
    return actions


def managed_policies(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::IAM::ManagedPolicy"}


def compare(granted: set[str], needed: set[str]) -> dict[str, list[str]]:
    """What a policy lacks and what it allows beyond the calls; empty lists when they match exactly."""
    return {"missing": sorted(needed - granted), "extra": sorted(granted - needed)}


def role_policies(template: dict[str, Any], role: str) -> set[str]:
    arns = template["Resources"][role]["Properties"].get("ManagedPolicyArns", [])
    return {ref["Ref"] for ref in every_branch(arns)}


@pytest.mark.parametrize("policy", sorted(CAPABILITIES))
def test_each_capability_policy_allows_exactly_its_adapters_calls(policy: str) -> None:
    template = load_template()
    needed, _ = CAPABILITIES[policy]

    derived = needed()

    assert derived, f"no AWS call found for {policy}: the adapters changed, or the reading of them did"
    assert compare(granted_actions(managed_policies(template)[policy]), derived) == {"missing": [], "extra": []}


def test_policies_that_are_no_adapters_calls_allow_only_their_listed_actions() -> None:
    policies = managed_policies(load_template())

    assert set(policies) == set(CAPABILITIES) | set(NOT_ADAPTER_CALLS), "a policy the test does not know"
    for name, allowed in NOT_ADAPTER_CALLS.items():
        assert granted_actions(policies[name]) == allowed, name


def test_every_aws_call_in_the_adapters_belongs_to_a_capability_policy() -> None:
    covered = set().union(*(pairs() for _, pairs in CAPABILITIES.values()))
    calling = {
        (m.name, service)
        for m in adapter_modules().values()
        if m.name not in TABLE_ADMINISTRATION
        for service in aws_services(m) | ({"opensearch"} & m.services)
        if service != "dynamodb" or "dax" not in m.services
    }

    assert calling - covered == set(), "an adapter calls AWS with no policy for it"


def test_the_table_capability_reads_every_store_in_the_table() -> None:
    found = {m.name.removeprefix("bff.backends.") for m in table_modules()}

    # Catalog (listings, tree, counts, writes), carts, checkout, orders, discounts, stores, content.
    assert {
        "dynamodb_catalog",
        "dynamodb_listing",
        "dynamodb_writes",
        "dynamodb_carts",
        "dynamodb_checkout",
        "dynamodb_orders",
        "dynamodb_discounts",
        "stores_dynamodb",
        "dynamodb_client",
    } <= found
    assert "dynamodb_admin" not in found


def test_each_task_role_attaches_its_capabilities_and_nothing_inline() -> None:
    template = load_template()

    for role, expected in ROLES.items():
        properties = template["Resources"][role]["Properties"]
        assert "Policies" not in properties, f"{role}: inline policies escape the comparison"
        assert role_policies(template, role) == expected, role
    assert "OrderActivitiesPolicy" not in role_policies(template, "ServiceTaskRole")


def test_no_policy_allows_a_wildcard_action() -> None:
    for name, policy in managed_policies(load_template()).items():
        for action in granted_actions(policy):
            assert "*" not in action, f"{name}: {action}"


# --- the comparison and the reading of the adapters can fail --------------------------------------------------


def test_a_policy_with_an_action_removed_or_added_is_reported() -> None:
    template = load_template()
    needed = CAPABILITIES["TablePolicy"][0]()
    policy = copy.deepcopy(managed_policies(template)["TablePolicy"])
    statement = policy["Properties"]["PolicyDocument"]["Statement"][0]
    removed = statement["Action"].pop()
    statement["Action"].append("dynamodb:Scan")

    assert compare(granted_actions(policy), needed) == {"missing": [removed], "extra": ["dynamodb:Scan"]}


def test_a_conditional_statement_counts_with_its_condition_on() -> None:
    policy = copy.deepcopy(managed_policies(load_template())["RecommendationsPolicy"])
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    del statements[-1]  # the PutEvents statement, only there with an event tracker

    assert compare(granted_actions(policy), CAPABILITIES["RecommendationsPolicy"][0]())["missing"] == [
        "personalize:PutEvents"
    ]


def test_calls_are_read_from_a_modules_source() -> None:
    source = (
        "import aioboto3\n"
        "async def drain(url):\n"
        "    async with aioboto3.Session().client('sqs') as sqs:\n"
        "        found = await sqs.receive_message(QueueUrl=url)\n"
        "        await sqs.delete_message(QueueUrl=url, ReceiptHandle=found['h'])\n"
        "        return sqs.get_paginator('list_queues')\n"
    )
    adapter = read_module("bff.backends.drain", source)

    assert aws_services(adapter) == {"sqs"}
    assert service_actions([adapter], "sqs") == {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ListQueues"}


def test_dynamodb_operations_named_as_strings_and_transactions_per_item() -> None:
    source = (
        "from bff.backends.dynamodb_client import DynamoRequests\n"
        "async def save(requests, item):\n"
        "    await requests.call('TransactWriteItems', {'TransactItems': [{'Put': item}, {'ConditionCheck': item}]})\n"
        "    return await requests.call('Scan', {})\n"
    )
    adapter = read_module("bff.backends.dynamodb_x", source)

    assert service_actions([adapter], "dynamodb") == {
        "dynamodb:PutItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:Scan",
    }


def test_opensearch_calls_become_the_http_verbs_they_send() -> None:
    source = (
        "from opensearchpy import AsyncOpenSearch\n"
        "class Index:\n"
        "    async def search(self, body):\n"
        "        return await self._client.search(index='products', body=body)\n"
    )
    reader = read_module("bff.backends.search_x", source)
    writer = read_module("bff.backends.search_y", source.replace("search(index", "indices.delete(index"))

    assert opensearch_actions([reader]) == {"es:ESHttpPost"}  # opensearch-py searches with a POST
    assert opensearch_actions([writer]) == {"es:ESHttpDelete"}


def test_the_always_on_capabilities_reach_their_services_through_vpc_endpoints() -> None:
    network, _ = decode(str(TEMPLATE.parent / "network.yaml"))
    assert network is not None
    endpoints = {
        r["Properties"]["ServiceName"]["Fn::Sub"].partition("${AWS::Region}.")[2]
        for r in network["Resources"].values()
        if r["Type"] == "AWS::EC2::VPCEndpoint"
    }
    template = load_template()
    always_on = {name for name, policy in managed_policies(template).items() if "Condition" not in policy}
    # The IAM prefixes of the calls of the capabilities every deployment has (the optional ones, Personalize,
    # Location, Lex and SageMaker, go through the NAT gateways; OpenSearch and DAX are in the VPC).
    prefixes = {
        action.split(":")[0] for name in always_on & set(CAPABILITIES) for action in CAPABILITIES[name][0]()
    } - {"es"}

    assert prefixes == {"dynamodb", "sqs", "states", "sns"}
    assert prefixes <= endpoints
    # What ECS itself and the collector need: the image, the logs, the secrets, traces and metrics.
    assert {"ecr.api", "ecr.dkr", "s3", "logs", "secretsmanager", "xray", "monitoring"} <= endpoints


def test_the_stream_consumer_attaches_the_table_and_search_policies_and_reads_only_its_stream_and_secret() -> None:
    stream, _ = decode(str(TEMPLATE.parent / "stream.yaml"))
    assert stream is not None
    role = stream["Resources"]["StreamConsumerRole"]["Properties"]
    inline = {
        action
        for policy in role["Policies"]
        for statement in every_branch(policy["PolicyDocument"]["Statement"])
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    consumer = read_module("bff.stream_consumer", (TEMPLATE.parents[1] / "bff" / "stream_consumer.py").read_text())

    assert [a.get("Fn::ImportValue", a) for a in role["ManagedPolicyArns"][:2]] == [
        {"Fn::Sub": "${ComputeStackName}-TablePolicyArn"},
        {"Fn::Sub": "${ComputeStackName}-SearchPolicyArn"},
    ]
    # Its own call (the secrets it reads at start), what Lambda reads the stream with, the data key's use.
    assert service_actions([consumer], "secretsmanager") == {"secretsmanager:GetSecretValue"}
    assert inline == {
        "secretsmanager:GetSecretValue",
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        "kms:Decrypt",
    }
