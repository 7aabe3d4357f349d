"""Writing the persisted-query manifest: a storefront's documents, validated, one entry per operation.

The file is Apollo's persisted query manifest (``apollo-persisted-query-manifest`` v1), so a manifest made by
``@apollo/generate-persisted-query-manifest`` can be registered as it is, and ours can be read by Apollo tools.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    Node,
    OperationDefinitionNode,
    parse,
    print_ast,
    validate,
    visit,
)
from graphql.language import Visitor

from bff.graphql.apq import MANIFEST_FORMAT, load_manifest
from bff.graphql.documents import document_hash


@dataclass(frozen=True, slots=True)
class PersistedOperation:
    id: str
    name: str
    type: str
    body: str

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type, "body": self.body}


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_: Any) -> None:
        self.names.add(node.name.value)


def _used_fragments(node: Node, fragments: dict[str, FragmentDefinitionNode]) -> list[FragmentDefinitionNode]:
    seen: dict[str, FragmentDefinitionNode] = {}
    pending = [node]
    while pending:
        spreads = _Spreads()
        visit(pending.pop(), spreads)
        for name in sorted(spreads.names - seen.keys()):
            seen[name] = fragments[name]
            pending.append(fragments[name])
    return list(seen.values())


def operations_of(source: str, schema: GraphQLSchema, origin: str) -> list[PersistedOperation]:
    """Each named operation of ``source`` with the fragments it uses, printed canonically."""
    document = parse(source)
    errors = validate(schema, document)
    if errors:
        raise ValueError(f"{origin}: {errors[0].message}")
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    found = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        if definition.name is None:
            raise ValueError(f"{origin}: every persisted operation needs a name")
        single = DocumentNode(definitions=(definition, *_used_fragments(definition, fragments)))
        body = print_ast(single)
        found.append(PersistedOperation(document_hash(body), definition.name.value, definition.operation.value, body))
    return found


def register(files: Iterable[Path], manifest: Path, schema: GraphQLSchema) -> list[PersistedOperation]:
    """Add the operations of ``files`` (GraphQL documents or Apollo manifests) to ``manifest``; the added ones."""
    existing = load_manifest(manifest) if manifest.exists() else {}
    entries = {digest: _verbatim(body, schema, manifest)[0] for digest, body in existing.items()}
    added = []
    for path in files:
        if path.suffix == ".json":
            operations = [op for body in load_manifest(path).values() for op in _verbatim(body, schema, path)]
        else:
            operations = operations_of(path.read_text(), schema, str(path))
        for operation in operations:
            if operation.id not in entries:
                added.append(operation)
            entries[operation.id] = operation
    data = {
        "format": MANIFEST_FORMAT,
        "version": 1,
        "operations": [op.as_json() for op in sorted(entries.values(), key=lambda o: (o.name, o.id))],
    }
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")
    return added


def _verbatim(body: str, schema: GraphQLSchema, origin: Path) -> list[PersistedOperation]:
    """A manifest entry as its author printed it: the hash is of that exact text, so it is kept byte for byte."""
    document = parse(body)
    errors = validate(schema, document)
    if errors:
        raise ValueError(f"{origin}: {errors[0].message}")
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    name = operation.name.value if operation.name else ""
    return [PersistedOperation(document_hash(body), name, operation.operation.value, body)]
