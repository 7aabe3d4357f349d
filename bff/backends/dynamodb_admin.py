"""Creating the DynamoDB table the way ``infra/data.yaml`` declares it (``bff dynamodb create-table``).

:func:`protected_table_definition` is :func:`bff.backends.dynamodb_schema.table_definition` (keys, indexes,
billing, streams) with the template's protection: encryption with a KMS key (the AWS-managed one, as the
template declares no key), deletion protection, and, once the table is active, point-in-time recovery and
the TTL attribute. ``tests/test_dynamodb_admin.py`` compares both with the template and reads them back
from moto's server.

Where the template is deployed (production), CloudFormation owns the table: the command refuses to run with
``BFF_ENV=production`` (a table made by hand would stop the stack from creating its own).
"""

from __future__ import annotations

import asyncio
from typing import Any

from botocore.exceptions import ClientError

from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_client import DynamoRequests

# How long creation may take before the command gives up (DynamoDB creates a table in seconds to minutes).
ACTIVE_WAIT_SECONDS = 300


def protected_table_definition(table_name: str, *, deletion_protection: bool = True) -> dict[str, Any]:
    """``CreateTable`` arguments with ``infra/data.yaml``'s encryption and deletion protection."""
    return {
        **s.table_definition(table_name),
        "SSESpecification": {"Enabled": True, "SSEType": "KMS"},
        "DeletionProtectionEnabled": deletion_protection,
    }


async def create_table(requests: DynamoRequests, *, deletion_protection: bool = True) -> bool:
    """Create the table as ``infra/data.yaml`` does unless it exists; ``True`` when it was created.

    After ``CreateTable``: wait until it is active, then turn on point-in-time recovery and TTL."""
    dynamodb, table = requests.dynamodb, requests.table
    try:
        await dynamodb("CreateTable", protected_table_definition(table, deletion_protection=deletion_protection))
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceInUseException":
            raise
        return False
    for _ in range(ACTIVE_WAIT_SECONDS):
        described = (await dynamodb("DescribeTable", {"TableName": table}))["Table"]
        if described.get("TableStatus") == "ACTIVE":
            break
        await asyncio.sleep(1)
    else:
        raise TimeoutError(f"table {table} is not active after {ACTIVE_WAIT_SECONDS} s")
    await dynamodb(
        "UpdateContinuousBackups",
        {"TableName": table, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True}},
    )
    await dynamodb(
        "UpdateTimeToLive",
        {"TableName": table, "TimeToLiveSpecification": {"AttributeName": s.TTL_ATTRIBUTE, "Enabled": True}},
    )
    return True
