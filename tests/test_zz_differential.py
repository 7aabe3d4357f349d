"""Every query any test sent, replayed on both engines: the compiled plans and graphql-core must agree.

``conftest.recorded_documents`` records each GraphQL request the session's tests send; this module runs last
(``conftest.pytest_collection_modifyitems``) and replays the queries among them (mutations and persisted-only
requests are left out) against two fresh apps on the seeded catalog: ``BFF_COMPILED_EXECUTION`` on and off.
``data`` and ``errors`` (message, path, locations, code) must be equal; masked errors' random ids are left out.
A document recorded against another dataset still replays: it then exercises the not-found and error paths.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse

from bff.graphql.compiled_run import stats
from tests.conftest import RECORDED, app_client, make_settings


def _is_query(document: str, operation_name: str | None) -> bool:
    try:
        operations = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
    except GraphQLError:
        return True  # a syntax error is answered before execution, by one shared path: cheap to replay anyway
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    return all(o.operation is OperationType.QUERY for o in chosen)


def _comparable(body: dict[str, Any]) -> dict[str, Any]:
    errors = [
        {**error, "extensions": {k: v for k, v in error.get("extensions", {}).items() if k != "errorId"}}
        for error in body.get("errors", [])
    ]
    return {"data": body.get("data"), "errors": errors}


async def _post(http: httpx.AsyncClient, request: dict[str, Any]) -> dict[str, Any]:
    response = await http.post("/graphql", json=request)
    body: dict[str, Any] = response.json()
    return body


async def test_every_recorded_query_answers_the_same_on_both_engines(seeded_dir: Path) -> None:
    requests = [r for r in list(RECORDED.values()) if _is_query(r["query"], r["operationName"])]
    if not requests:
        pytest.skip("no GraphQL query was sent by a test in this session (run this module with the others)")
    before = stats.copy()
    mismatches: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = []
    async with (
        app_client(make_settings(seeded_dir, compiled_execution=True, response_cache=False)) as compiled,
        app_client(make_settings(seeded_dir, compiled_execution=False, response_cache=False)) as reference,
    ):
        for request in requests:
            mine, theirs = _comparable(await _post(compiled, request)), _comparable(await _post(reference, request))
            if mine != theirs:
                mismatches.append((request, mine, theirs))
    assert not mismatches, mismatches[:3]
    # the replay did reach the plans (a session whose documents all fell to graphql-core would prove nothing)
    assert stats["compiled"] - before["compiled"] >= len(requests) // 2, (len(requests), stats - before)
