"""Parse and validate each distinct document once.

A storefront sends the same few documents millions of times; parsing and validating them is a large share
of a request's CPU, so the outcome of both is kept in an LRU keyed by the document's SHA-256.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    specified_rules,
    validate,
)
from graphql.validation import ASTValidationRule
from strawberry.extensions.query_depth_limiter import create_validator

from bff.graphql.compiled import DocumentPlans

log = logging.getLogger("bff.graphql")


@dataclass(slots=True)
class CompiledDocument:
    """A parsed document, its validation errors (if any), and the type of each operation it holds."""

    hash: str
    document: DocumentNode | None
    errors: list[GraphQLError]
    syntax_error: bool = False
    operations: dict[str | None, OperationType] = field(default_factory=dict)
    plans: DocumentPlans | None = None  # compiled execution plans, made on first compiled run

    def execution_plans(self) -> DocumentPlans:
        if self.plans is None:
            assert self.document is not None
            self.plans = DocumentPlans.of(self.document)
        return self.plans

    def operation_type(self, name: str | None) -> OperationType | None:
        if name is None and len(self.operations) == 1:
            return next(iter(self.operations.values()))
        return self.operations.get(name)


def document_hash(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


class DocumentCache:
    def __init__(self, schema: GraphQLSchema, *, max_depth: int, size: int = 1024) -> None:
        self._schema = schema
        self._size = size
        self._rules: tuple[type[ASTValidationRule], ...] = (
            *specified_rules,
            create_validator(max_depth, None),
        )
        self._entries: OrderedDict[str, CompiledDocument] = OrderedDict()

    def get(self, query: str, digest: str | None = None) -> CompiledDocument:
        digest = digest or document_hash(query)
        entry = self._entries.get(digest)
        if entry is not None:
            self._entries.move_to_end(digest)
            return entry
        entry = self._compile(query, digest)
        if self._size:
            self._entries[digest] = entry
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return entry

    def _compile(self, query: str, digest: str) -> CompiledDocument:
        try:
            document = parse(query, max_tokens=10_000)
        except GraphQLError as error:
            return CompiledDocument(digest, None, [error], syntax_error=True)
        if not any(isinstance(d, OperationDefinitionNode) for d in document.definitions):
            return CompiledDocument(digest, document, [GraphQLError("the document defines no operation")])
        try:
            errors = validate(self._schema, document, self._rules)
        except Exception:  # a validation rule that cannot cope with a document refuses it
            log.warning("validation of document %s failed", digest, exc_info=True)
            errors = [GraphQLError("the document could not be validated")]
        operations = {
            (d.name.value if d.name else None): d.operation
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        }
        return CompiledDocument(digest, document, list(errors), operations=operations)
