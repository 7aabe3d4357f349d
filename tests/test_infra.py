"""The CloudFormation templates in infra/: lint-clean, and in step with what the app reads."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("cfnlint", reason="cfn-lint is not installed (pip install -e '.[dev]')")

from cfnlint.api import lint_file
from cfnlint.decode import decode

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
    assert [t.name for t in TEMPLATES] == [
        "data.yaml",
        "edge.yaml",
        "network.yaml",
        "observability.yaml",
        "orders.yaml",
        "service.yaml",
        "services.yaml",
        "stream.yaml",
    ]


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


def imports(node: Any) -> set[tuple[str, str]]:
    """(stack-name parameter, export) of every Fn::ImportValue in a template node."""
    found: set[tuple[str, str]] = set()
    if isinstance(node, dict):
        if "Fn::ImportValue" in node:
            parameter, _, name = node["Fn::ImportValue"]["Fn::Sub"].partition("-")
            found.add((parameter.strip("${}"), name))
        for value in node.values():
            found |= imports(value)
    elif isinstance(node, list):
        for value in node:
            found |= imports(value)
    return found


def exports(name: str) -> set[str]:
    return {
        output["Export"]["Name"]["Fn::Sub"].removeprefix("${AWS::StackName}-")
        for output in load(name)["Outputs"].values()
        if "Export" in output
    }


def test_every_import_is_exported_by_the_stack_it_names():
    exporters = {
        "NetworkStackName": "network.yaml",
        "DataStackName": "data.yaml",
        "OrdersStackName": "orders.yaml",
        "ServicesStackName": "services.yaml",
        "ComputeStackName": "service.yaml",
    }
    checked = 0
    for template in TEMPLATES:
        for parameter, name in imports(load(template.name)):
            assert parameter in exporters, f"{template.name} imports from an unknown stack parameter {parameter}"
            assert name in exports(exporters[parameter]), f"{template.name}: {exporters[parameter]} exports no {name}"
            checked += 1
    assert checked > 25


def test_load_balancer_checks_healthz_on_the_container_port():
    resources = load("service.yaml")["Resources"]
    target_group = resources["TargetGroup"]["Properties"]
    container = resources["TaskDefinition"]["Properties"]["ContainerDefinitions"][0]

    assert target_group["HealthCheckPath"] == "/healthz"
    assert target_group["Port"] == 8000
    assert container["PortMappings"][0]["ContainerPort"] == 8000


def test_redis_requires_tls_and_a_token_and_the_url_says_rediss():
    resources = load("data.yaml")["Resources"]
    cache = resources["Cache"]["Properties"]

    assert cache["TransitEncryptionEnabled"] is True and cache["AtRestEncryptionEnabled"] is True
    assert cache["AuthToken"] == {"Fn::Sub": "{{resolve:secretsmanager:${RedisAuthTokenSecret}}}"}
    url = resources["RedisUrlSecret"]["Properties"]["SecretString"]["Fn::Sub"]
    assert url.startswith("rediss://:{{resolve:secretsmanager:${RedisAuthTokenSecret}}}@")


def test_generated_secrets_are_long_enough_for_production():
    resources = load("data.yaml")["Resources"]

    for name in ("CursorSecret", "MetricsTokenSecret", "RedisAuthTokenSecret"):
        generated = resources[name]["Properties"]["GenerateSecretString"]
        assert generated["PasswordLength"] >= 32 and generated["ExcludePunctuation"] is True, name


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


def test_the_global_table_has_the_tables_keys_indexes_ttl_and_stream():
    resources = load("data.yaml")["Resources"]
    single, global_table = resources["StorefrontTable"], resources["StorefrontGlobalTable"]

    assert (single["Condition"], global_table["Condition"]) == ("SingleRegion", "MultiRegion")
    for key in ("TableName", "AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "TimeToLiveSpecification"):
        assert global_table["Properties"][key] == single["Properties"][key], key
    assert global_table["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    replicas = global_table["Properties"]["Replicas"]
    assert [r["Region"] for r in replicas] == [{"Ref": "AWS::Region"}, {"Ref": "ReplicaRegion"}]
    assert all(r["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True} for r in replicas)
    assert global_table["DeletionPolicy"] == "Retain"


def test_the_customer_managed_key_is_optional_and_rotated():
    resources = load("data.yaml")["Resources"]
    key_ref = {"Fn::If": ["UseCustomerManagedKey", {"Ref": "DataKey"}, {"Ref": "AWS::NoValue"}]}

    assert resources["DataKey"]["Condition"] == "UseCustomerManagedKey"
    assert resources["DataKey"]["Properties"]["EnableKeyRotation"] is True
    assert resources["StorefrontTable"]["Properties"]["SSESpecification"]["KMSMasterKeyId"] == key_ref
    for name in ("CursorSecret", "RedisUrlSecret", "Cache"):
        properties = resources[name]["Properties"]
        assert properties.get("KmsKeyId") == key_ref, name
    for name in ("OrderQueue", "OrderDeadLetterQueue"):
        assert resources[name]["Properties"]["KmsMasterKeyId"] == key_ref, name


def test_tasks_run_read_only_with_writable_data_and_tmp_volumes():
    resources = load("service.yaml")["Resources"]

    for definition, name in (("TaskDefinition", "bff"), ("WorkerTaskDefinition", "worker")):
        properties = resources[definition]["Properties"]
        app = next(c for c in properties["ContainerDefinitions"] if c["Name"] == name)
        assert app["ReadonlyRootFilesystem"] is True
        mounts = {m["ContainerPath"]: m["SourceVolume"] for m in app["MountPoints"]}
        assert mounts == {"/data": "data", "/tmp": "tmp"}
        assert {v["Name"] for v in properties["Volumes"]} == {"data", "tmp"}
        assert any(e.get("Name") == "BFF_DATA_DIR" and e.get("Value") == "/data" for e in app["Environment"])


def test_each_task_sends_traces_to_the_collector_beside_it():
    resources = load("service.yaml")["Resources"]

    for definition, name in (("TaskDefinition", "bff"), ("WorkerTaskDefinition", "worker")):
        containers = {c["Name"]: c for c in resources[definition]["Properties"]["ContainerDefinitions"]}
        environment = {e["Name"]: e["Value"] for e in containers[name]["Environment"] if "Name" in e}
        assert environment["BFF_OTEL_EXPORTER"] == "otlp"
        assert environment["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://127.0.0.1:4318"
        assert containers["collector"]["Image"] == {"Ref": "CollectorImageUri"}
        assert containers[name]["DependsOn"] == [{"ContainerName": "collector", "Condition": "START"}]
    collector = resources["TaskDefinition"]["Properties"]["ContainerDefinitions"][1]
    config = collector["Environment"][0]["Value"]["Fn::Sub"]
    assert "awsxray" in config and "awsemf" in config and "/metrics" in config


def test_the_worker_service_runs_the_activity_worker_without_a_load_balancer():
    resources = load("service.yaml")["Resources"]
    worker = resources["WorkerService"]["Properties"]

    assert worker["TaskDefinition"] == {"Ref": "WorkerTaskDefinition"}
    assert "LoadBalancers" not in worker
    assert worker["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {"Enable": True, "Rollback": True}


def test_cloudfront_caches_only_what_the_bff_marks_cacheable():
    resources = load("edge.yaml")["Resources"]
    policy = resources["GraphqlCachePolicy"]["Properties"]["CachePolicyConfig"]
    behavior = resources["Distribution"]["Properties"]["DistributionConfig"]["DefaultCacheBehavior"]

    # Nothing is stored without the BFF's Cache-Control; a token is part of the key (and answered no-store).
    assert policy["DefaultTTL"] == 0 and policy["MinTTL"] == 0
    assert "Authorization" in policy["ParametersInCacheKeyAndForwardedToOrigin"]["HeadersConfig"]["Headers"]
    assert policy["ParametersInCacheKeyAndForwardedToOrigin"]["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    assert behavior["CachedMethods"] == ["GET", "HEAD"]
    assert "POST" in behavior["AllowedMethods"]


def test_waf_has_managed_rule_groups_and_a_rate_based_rule():
    acl = load("edge.yaml")["Resources"]["WebAcl"]["Properties"]

    statements = [rule["Statement"] for rule in acl["Rules"]]
    managed = {s["ManagedRuleGroupStatement"]["Name"] for s in statements if "ManagedRuleGroupStatement" in s}

    assert acl["Scope"] == "CLOUDFRONT"
    assert {"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"} <= managed
    assert any(s.get("RateBasedStatement", {}).get("AggregateKeyType") == "IP" for s in statements)


def test_failover_follows_the_primary_regions_readiness():
    resources = load("edge.yaml")["Resources"]

    check = resources["PrimaryReadiness"]["Properties"]["HealthCheckConfig"]
    assert check["ResourcePath"] == "/readyz"
    assert resources["PrimaryOriginRecord"]["Properties"]["Failover"] == "PRIMARY"
    assert resources["SecondaryOriginRecord"]["Properties"]["Failover"] == "SECONDARY"


def test_the_alarms_the_deployment_promises():
    resources = load("observability.yaml")["Resources"]
    alarms = {k: v["Properties"] for k, v in resources.items() if v["Type"] == "AWS::CloudWatch::Alarm"}

    def metric_names(alarm: dict[str, Any]) -> set[str]:
        if "MetricName" in alarm:
            return {alarm["MetricName"]}
        return {m["MetricStat"]["Metric"]["MetricName"] for m in alarm["Metrics"] if "MetricStat" in m}

    watched = set().union(*(metric_names(a) for a in alarms.values()))
    assert {
        "HTTPCode_Target_5XX_Count",  # 5xx rate
        "TargetResponseTime",  # p99 latency
        "ApproximateNumberOfMessagesVisible",  # order dead letters
        "DegradedCalls",
        "BreakersOpened",
        "ThrottledRequests",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
    } <= watched
    assert alarms["LatencyP99Alarm"]["ExtendedStatistic"] == "p99"
    assert sum(v["Type"] == "AWS::CloudWatch::Dashboard" for v in resources.values()) == 1
    for alarm in alarms.values():
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_log_metrics_match_what_the_app_logs():
    import inspect

    from bff import degradation
    from bff.backends import ports

    resources = load("observability.yaml")["Resources"]
    patterns = {
        k: v["Properties"]["FilterPattern"] for k, v in resources.items() if v["Type"] == "AWS::Logs::MetricFilter"
    }

    assert "degraded, serving its fallback" in patterns["DegradedMetricFilter"]
    assert "degraded, serving its fallback" in inspect.getsource(degradation)
    assert "circuit breaker open" in patterns["BreakerOpenedMetricFilter"]
    assert "circuit breaker open" in inspect.getsource(ports)


def test_log_groups_keep_logs_for_a_bounded_time():
    for name in ("service.yaml",):
        for resource in load(name)["Resources"].values():
            if resource["Type"] == "AWS::Logs::LogGroup":
                assert resource["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
                assert "KmsKeyId" in resource["Properties"]


def test_cognito_has_the_admin_group_the_app_checks():
    resources = load("services.yaml")["Resources"]

    assert resources["AdminGroup"]["Properties"]["GroupName"] == "admin"
    assert resources["WebClient"]["Properties"]["GenerateSecret"] is False


def test_the_scheduled_reindex_runs_bff_reindex_with_the_ops_role():
    import json

    resources = load("service.yaml")["Resources"]
    schedule = resources["ScheduledReindex"]
    target = schedule["Properties"]["Target"]

    overrides = json.loads(target["Input"]["Fn::Sub"].replace("${OpsTaskRole.Arn}", "ops-role"))
    assert schedule["Condition"] == "HasReindexSchedule"
    assert target["EcsParameters"]["TaskDefinitionArn"] == {"Ref": "TaskDefinition"}
    assert overrides == {
        "taskRoleArn": "ops-role",
        "containerOverrides": [{"name": "bff", "command": ["bff", "reindex"]}],
    }


def test_a_rule_per_order_status_on_the_bus_the_status_topic_feeds():
    from bff.domain.orders import OrderStatus

    resources = load("orders.yaml")["Resources"]
    rules = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::Events::Rule"]
    pipe = resources["OrderStatusPipe"]["Properties"]
    bus = pipe["TargetParameters"]["EventBridgeEventBusParameters"]

    assert sorted(s for r in rules for s in r["EventPattern"]["detail"]["status"]) == sorted(OrderStatus)
    assert all(r["EventBusName"] == {"Ref": "OrderEventBus"} for r in rules)
    assert all(r["EventPattern"]["source"] == [bus["Source"]] for r in rules)
    assert all(r["EventPattern"]["detail-type"] == [bus["DetailType"]] for r in rules)
    subscription = resources["OrderStatusSubscription"]["Properties"]
    assert subscription["TopicArn"] == {"Ref": "OrderStatusTopic"} and subscription["RawMessageDelivery"] is True
    assert pipe["Source"] == {"Fn::GetAtt": ["OrderStatusQueue", "Arn"]}


def test_the_stream_consumer_runs_the_images_consumer_on_product_and_variant_records():
    resources = load("stream.yaml")["Resources"]
    function = resources["StreamConsumer"]["Properties"]
    mapping = resources["StreamMapping"]["Properties"]

    assert function["ImageConfig"]["EntryPoint"] == ["python", "-m", "bff.stream_consumer"]
    assert function["Code"]["ImageUri"] == {"Ref": "ImageUri"}
    assert function["Environment"]["Variables"]["BFF_DATA_DIR"] == "/tmp"  # Lambda's only writable path
    prefixes = {f["Pattern"].split('"prefix": "')[1].split('"')[0] for f in mapping["FilterCriteria"]["Filters"]}
    assert prefixes == {"PRODUCT#", "VARIANT#"}
    assert mapping["BisectBatchOnFunctionError"] is True
