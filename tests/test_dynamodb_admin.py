"""``bff dynamodb create-table``: the table as ``infra/data.yaml`` declares it, read back from moto's server;
refused in production, where the data stack owns the table."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from bff.backends.dynamodb_admin import create_table, protected_table_definition
from bff.backends.dynamodb_catalog import DynamoCatalogStore
from bff.cli import app as cli
from tests.test_infra import load

TABLE = "admin-test"


def template_table() -> dict[str, Any]:
    properties: dict[str, Any] = load("data.yaml")["Resources"]["StorefrontTable"]["Properties"]
    return properties


@pytest.fixture
async def store(aws: str) -> AsyncIterator[DynamoCatalogStore]:
    opened = await DynamoCatalogStore.open(TABLE, "us-east-1", aws)
    yield opened
    await opened.close()


def test_the_definition_has_the_templates_protection() -> None:
    table = template_table()
    parameters = load("data.yaml")["Parameters"]
    defined = protected_table_definition("x")

    assert defined["SSESpecification"] == {
        "Enabled": table["SSESpecification"]["SSEEnabled"],
        "SSEType": table["SSESpecification"]["SSEType"],
    }
    # The AWS-managed key, as created here, unless the stack is asked for a customer-managed one.
    key = table["SSESpecification"].get("KMSMasterKeyId", {"Fn::If": ["", None, {"Ref": "AWS::NoValue"}]})
    condition, _, otherwise = key["Fn::If"]
    assert otherwise == {"Ref": "AWS::NoValue"}
    if condition:
        switch = load("data.yaml")["Conditions"][condition]["Fn::Equals"][0]["Ref"]
        assert parameters[switch]["Default"] == "false"
    assert table["DeletionProtectionEnabled"] == {"Ref": "DeletionProtection"}
    assert defined["DeletionProtectionEnabled"] is (parameters["DeletionProtection"]["Default"] == "true")
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    for key in ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "BillingMode"):
        assert defined[key] == table[key], key
    if "StreamSpecification" in table:
        assert defined["StreamSpecification"]["StreamViewType"] == table["StreamSpecification"]["StreamViewType"]


async def test_the_created_table_is_encrypted_protected_recoverable_and_expires_items(
    store: DynamoCatalogStore, aws: str
) -> None:
    created = await create_table(store.requests)
    again = await create_table(store.requests)

    client = boto3.client("dynamodb", endpoint_url=aws, region_name="us-east-1")
    described = client.describe_table(TableName=TABLE)["Table"]
    backups = client.describe_continuous_backups(TableName=TABLE)["ContinuousBackupsDescription"]
    ttl = client.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    assert (created, again) == (True, False)
    assert described["SSEDescription"]["Status"] == "ENABLED" and described["SSEDescription"]["SSEType"] == "KMS"
    assert described["DeletionProtectionEnabled"] is True
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expiresAt")
    with pytest.raises(client.exceptions.ClientError, match="DeletionProtectionEnabled"):
        client.delete_table(TableName=TABLE)


def test_the_command_can_leave_deletion_protection_off(aws: str, tmp_path: Path) -> None:
    env = {"BFF_AWS_ENDPOINT_URL": aws, "BFF_DYNAMODB_TABLE": "unprotected", "BFF_DATA_DIR": str(tmp_path)}

    result = CliRunner().invoke(cli, ["dynamodb", "create-table", "--no-deletion-protection"], env=env)

    assert result.exit_code == 0, result.output
    client = boto3.client("dynamodb", endpoint_url=aws, region_name="us-east-1")
    assert client.describe_table(TableName="unprotected")["Table"]["DeletionProtectionEnabled"] is False


def test_the_command_refuses_in_production(aws: str, tmp_path: Path) -> None:
    env = {"BFF_ENV": "production", "BFF_AWS_ENDPOINT_URL": aws, "BFF_DYNAMODB_TABLE": "prod-table"}

    result = CliRunner().invoke(cli, ["dynamodb", "create-table"], env=env)

    assert result.exit_code == 2
    assert "infra/data.yaml" in result.output
    client = boto3.client("dynamodb", endpoint_url=aws, region_name="us-east-1")
    assert "prod-table" not in client.list_tables()["TableNames"]
