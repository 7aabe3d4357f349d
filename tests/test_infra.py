"""The CloudFormation templates in infra/: lint-clean, and in step with what the app reads."""

from __future__ import annotations

import importlib
import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("cfnlint", reason="cfn-lint is not installed (pip install -e '.[dev]')")

from cfnlint.api import lint_file
from cfnlint.decode import decode

from bff.settings import Settings

INFRA = Path(__file__).resolve().parents[1] / "infra"
TEMPLATES = sorted(INFRA.glob("*.yaml"))

# These names are the data-model contract between infra/data.yaml and the DynamoDB adapters: keys, the two
# global secondary indexes and their keys, and the TTL attribute. Renaming one is a table migration.
DATA_MODEL_NAMES = {"pk", "sk", "GSI1", "gsi1pk", "gsi1sk", "GSI2", "gsi2pk", "gsi2sk", "expiresAt"}


def load(name: str) -> dict[str, Any]:
    template, errors = decode(str(INFRA / name))
    assert not errors, errors
    assert template is not None
    return template


def data_model_names() -> set[str]:
    """The string constants of ``bff.backends.dynamodb_schema`` once it exists, the contract above until then."""
    if importlib.util.find_spec("bff.backends.dynamodb_schema") is None:
        return DATA_MODEL_NAMES
    module = importlib.import_module("bff.backends.dynamodb_schema")
    return {value for name, value in vars(module).items() if name.isupper() and isinstance(value, str)}


def key_names(key_schema: list[dict[str, str]]) -> tuple[str, str]:
    by_type = {k["KeyType"]: k["AttributeName"] for k in key_schema}
    return by_type["HASH"], by_type["RANGE"]


def container_environment(template: dict[str, Any]) -> dict[str, Any]:
    container = template["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]
    return {e["Name"]: e["Value"] for e in container["Environment"] if "Name" in e}


def test_templates_exist():
    assert [t.name for t in TEMPLATES] == ["data.yaml", "orders.yaml", "service.yaml"]


def test_cfn_lint_reports_no_errors_or_warnings():
    findings = {
        template.name: [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in lint_file(template)]
        for template in TEMPLATES
    }

    assert findings == {t.name: [] for t in TEMPLATES}


def test_cfn_lint_is_live(tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      BillingMode: FREE\n"
    )

    findings = lint_file(broken)

    assert any(m.rule.severity == "error" for m in findings)


def test_table_keys_and_indexes_match_the_data_model():
    table = load("data.yaml")["Resources"]["StorefrontTable"]["Properties"]
    contract = data_model_names()

    indexes = {i["IndexName"]: key_names(i["KeySchema"]) for i in table["GlobalSecondaryIndexes"]}
    names = {
        *key_names(table["KeySchema"]),
        *indexes,
        *(attribute for keys in indexes.values() for attribute in keys),
        table["TimeToLiveSpecification"]["AttributeName"],
    }

    assert key_names(table["KeySchema"]) == ("pk", "sk")
    assert indexes == {"GSI1": ("gsi1pk", "gsi1sk"), "GSI2": ("gsi2pk", "gsi2sk")}
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert names <= contract, f"not in the data-model contract: {sorted(names - contract)}"


def test_table_is_on_demand_encrypted_and_recoverable():
    resource = load("data.yaml")["Resources"]["StorefrontTable"]
    table = resource["Properties"]

    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["DeletionProtectionEnabled"] == {"Ref": "DeletionProtection"}
    assert resource["DeletionPolicy"] == "Retain"
    defined = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
    assert defined == dict.fromkeys(["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"], "S")


def test_table_streams_new_and_old_images_as_the_adapter_creates_it():
    table = load("data.yaml")["Resources"]["StorefrontTable"]["Properties"]
    schema = importlib.import_module("bff.backends.dynamodb_schema")

    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert schema.table_definition("x")["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"


def test_order_queue_is_fifo_with_explicit_dedup_and_a_fifo_dead_letter_queue():
    resources = load("data.yaml")["Resources"]
    queue = resources["OrderQueue"]["Properties"]
    dead_letters = resources["OrderDeadLetterQueue"]["Properties"]

    assert queue["FifoQueue"] is True
    assert queue["ContentBasedDeduplication"] is False
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["OrderDeadLetterQueue", "Arn"]}
    assert dead_letters["FifoQueue"] is True


def test_data_stack_exports_what_the_service_stack_imports():
    exported = {
        output["Export"]["Name"]["Fn::Sub"].removeprefix("${AWS::StackName}-")
        for output in load("data.yaml")["Outputs"].values()
        if "Export" in output
    }
    service_text = (INFRA / "service.yaml").read_text()

    imported = {
        line.split("${DataStackName}-", 1)[1].strip()
        for line in service_text.splitlines()
        if "ImportValue" in line and "${DataStackName}-" in line
    }

    assert imported
    assert imported <= exported, f"imported but not exported: {sorted(imported - exported)}"


def test_load_balancer_checks_healthz_on_the_container_port():
    resources = load("service.yaml")["Resources"]
    target_group = resources["TargetGroup"]["Properties"]
    container = resources["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]

    assert target_group["HealthCheckPath"] == "/healthz"
    assert target_group["Port"] == 8000
    assert container["PortMappings"][0]["ContainerPort"] == 8000


def test_redis_requires_tls_and_the_url_says_rediss():
    template = load("service.yaml")
    cache = template["Resources"]["Cache"]["Properties"]

    redis_url = container_environment(template)["BFF_REDIS_URL"]

    assert cache["TransitEncryptionEnabled"] is True
    assert redis_url["Fn::Sub"].startswith("rediss://")


def test_cursor_secret_comes_from_secrets_manager_not_the_environment():
    template = load("service.yaml")
    container = template["Resources"]["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]

    secrets = {s["Name"]: s["ValueFrom"] for s in container["Secrets"]}

    assert secrets == {"BFF_CURSOR_SECRET": {"Ref": "CursorSecretArn"}}
    assert "BFF_CURSOR_SECRET" not in container_environment(template)


def test_task_role_grants_only_the_listed_actions():
    policies = load("service.yaml")["Resources"]["TaskRole"]["Properties"]["Policies"]

    actions: set[str] = set()
    stack: list[Any] = list(policies)
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "Action" in node:
                action = node["Action"]
                actions.update([action] if isinstance(action, str) else action)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)

    assert "*" not in actions
    assert not any(a.endswith(":*") for a in actions)
    assert {
        "dynamodb:Query",
        "sqs:SendMessage",
        "personalize:GetRecommendations",
        "personalize:GetPersonalizedRanking",
        "personalize:PutEvents",
        "geo-places:Geocode",
        "geo-places:ReverseGeocode",
        "geo-routes:CalculateRouteMatrix",
        "lex:RecognizeText",
        "es:ESHttp*",
    } <= actions


def test_production_environment_is_accepted_by_settings(monkeypatch: pytest.MonkeyPatch):
    environment = container_environment(load("service.yaml"))
    # Values CloudFormation computes at deploy time, replaced by what they resolve to.
    resolved = {
        "BFF_CORS_ORIGINS": '["https://www.example.com"]',
        "BFF_TRUSTED_PROXIES": '["10.0.0.0/16"]',
        "BFF_DYNAMODB_TABLE": "storefront-prod",
        "BFF_REDIS_URL": "rediss://master.storefront.cache.amazonaws.com:6379/0",
        "BFF_COGNITO_USER_POOL_ID": "eu-west-1_Example",
        "BFF_COGNITO_APP_CLIENT_IDS": '["storefront-web"]',
        "BFF_ORDER_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/storefront-prod-orders.fifo",
        "BFF_ORDER_STATE_MACHINE_ARN": "arn:aws:states:eu-west-1:123456789012:stateMachine:storefront-prod-orders",
        "BFF_ORDER_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:storefront-prod-order-status",
    }
    for name in [n for n in os.environ if n.startswith("BFF_")]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        if isinstance(value, str) or name in resolved:
            monkeypatch.setenv(name, resolved.get(name, value))
    monkeypatch.setenv("BFF_CURSOR_SECRET", "s" * 48)

    settings = Settings(_env_file=None)  # type: ignore[call-arg]

    assert settings.is_production
    assert settings.catalog_backend == "dynamodb"
    assert settings.cache_backend == "redis"
    assert settings.graphiql is False
    assert settings.cors_origins == ["https://www.example.com"]
    assert settings.allow_sandbox_payments  # until a real payment provider replaces the sandbox


def test_the_orders_stack_runs_the_asl_in_infra_with_an_activity_per_task():
    import json

    machine = load("orders.yaml")["Resources"]["OrderStateMachine"]["Properties"]
    asl = json.loads((INFRA / "order-workflow.asl.json").read_text())
    assert machine["Definition"] == asl
    resources = {state["Resource"] for state in asl["States"].values() if state["Type"] == "Task"}
    assert {"${" + name + "}" for name in machine["DefinitionSubstitutions"]} == resources


def test_the_service_runs_orders_on_step_functions_and_notifies_through_sns():
    environment = container_environment(load("service.yaml"))
    assert environment["BFF_ORDER_WORKFLOW_BACKEND"] == "aws"
    assert environment["BFF_NOTIFIER_BACKEND"] == "sns"
