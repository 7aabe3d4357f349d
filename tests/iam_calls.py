"""The AWS API calls the adapters in ``bff/backends/`` make, read from their source, as IAM actions.

A module talks to an AWS service when it creates a client for it (``session.client("sqs", ...)``), or, for
DynamoDB, when it sends requests through ``bff.backends.dynamodb_client`` or is one of the table's stores
(``bff.backends.dynamodb_config.DynamoTableStore``; operations named as strings:
``requests.call("Query", ...)``). Its calls are the service's operations it names: a method called or
referenced (``client.send_message(...)``, ``_call(client, "geocode", ...)``) or an operation's name as a
string. Operation names come from botocore's service model, the IAM prefix from its signing name
(``stepfunctions`` signs as ``states``, ``lexv2-runtime`` as ``lex``). DynamoDB transactions are authorised
per item action (``{"Put": ...}`` needs ``dynamodb:PutItem``); reads routed through DAX are ``dax:`` actions.
OpenSearch is reached over HTTP: each client method the adapter uses is looked up in opensearch-py and its
HTTP verbs become ``es:ESHttp<Verb>``.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

BACKENDS = Path(__file__).resolve().parents[1] / "bff" / "backends"
# The modules DynamoDB requests go through: the requests themselves, and the base of the table's stores.
DYNAMODB_REQUESTS = {"bff.backends.dynamodb_client", "bff.backends.dynamodb_config"}
# A transaction's item keys and the action each one is authorised as.
TRANSACTION_ITEMS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}
TRANSACTIONS = {"TransactWriteItems", "TransactGetItems"}


@dataclass
class Module:
    name: str
    tree: ast.Module
    services: set[str] = field(default_factory=set)
    strings: set[str] = field(default_factory=set)
    attributes: set[str] = field(default_factory=set)
    opensearch: set[tuple[str, ...]] = field(default_factory=set)


def read_module(name: str, source: str) -> Module:
    module = Module(name, ast.parse(source))
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            module.strings.add(node.value)
        elif isinstance(node, ast.Attribute):
            module.attributes.add(node.attr)
            chain = attribute_chain(node)
            if "_client" in chain[:-1]:
                module.opensearch.add(tuple(chain[chain.index("_client") + 1 :]))
        elif isinstance(node, ast.ImportFrom):
            if node.module in DYNAMODB_REQUESTS or name in DYNAMODB_REQUESTS:
                module.services.add("dynamodb")
            if node.module and node.module.startswith("opensearchpy"):
                module.services.add("opensearch")
                module.opensearch.update(("bulk",) for alias in node.names if "bulk" in alias.name)
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0] if node.args else None
            # session.client("sqs", ...), or a function opening one: _open_client("geo-places", ...)
            named = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if called.endswith("client") and named and first.value in botocore_services():
                module.services.add(first.value)
            if called == "AmazonDaxClient":
                module.services.add("dax")
    return module


def attribute_chain(node: ast.Attribute) -> list[str]:
    names: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        names.append(current.attr)
        current = current.value
    if isinstance(current, ast.Name):
        names.append(current.id)
    return names[::-1]


@cache
def adapter_modules() -> dict[str, Module]:
    found = {}
    for path in sorted(BACKENDS.rglob("*.py")):
        dotted = ".".join(path.relative_to(BACKENDS.parents[1]).with_suffix("").parts)
        found[dotted] = read_module(dotted, path.read_text())
    return found


@cache
def botocore_services() -> frozenset[str]:
    import botocore.session

    return frozenset(botocore.session.get_session().get_available_services())


@cache
def service_model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def snake_case(operation: str) -> str:
    from botocore import xform_name

    return str(xform_name(operation))


def service_actions(modules: Iterable[Module], service: str) -> set[str]:
    """The IAM actions of ``service``'s operations these modules name (one capability's adapters)."""
    modules = [m for m in modules if service in m.services or (service == "dynamodb" and "dax" in m.services)]
    names = set().union(*(m.strings | m.attributes for m in modules)) if modules else set()
    model = service_model(service)
    operations = {op for op in model.operation_names if op in names or snake_case(op) in names}
    if operations & TRANSACTIONS:
        operations -= TRANSACTIONS
        strings = set().union(*(m.strings for m in modules))
        operations |= {action for key, action in TRANSACTION_ITEMS.items() if key in strings}
    return {f"{model.signing_name}:{op}" for op in operations}


def dax_actions(table_actions: set[str]) -> set[str]:
    """The reads DynamoRequests routes through DAX when one is configured, on the DAX cluster."""
    from bff.backends.dynamodb_client import READS

    return {f"dax:{op}" for op in READS if f"dynamodb:{op}" in table_actions}


def opensearch_actions(modules: Iterable[Module]) -> set[str]:
    """``es:ESHttp<Verb>`` for every HTTP verb of the opensearch-py methods the modules use."""
    from opensearchpy import AsyncOpenSearch
    from opensearchpy._async.client.indices import IndicesClient

    verbs: set[str] = set()
    for module in modules:
        for chain in module.opensearch:
            owner: Any = IndicesClient if chain[:1] == ("indices",) else AsyncOpenSearch
            method = getattr(owner, chain[-1], None)
            if chain and callable(method):
                verbs |= http_verbs(method)
    return {f"es:ESHttp{verb.title()}" for verb in verbs}


def http_verbs(method: Any) -> set[str]:
    source = inspect.getsource(method)
    return set(re.findall(r'"(GET|POST|PUT|DELETE|HEAD)"', source))


def aws_services(module: Module) -> set[str]:
    return module.services - {"opensearch"}
