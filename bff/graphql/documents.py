"""Parse and validate each distinct document once, within the limits on its shape and size.

A storefront sends the same few documents millions of times; parsing and validating them is a large share
of a request's CPU, so the outcome of both is kept in an LRU keyed by the document's SHA-256. The LRU is
bounded by entries and by an estimate of the bytes each holds (the parsed tree is ~600 bytes per token).
A refused document keeps only its errors, never its tree, so junk costs the cache almost nothing.

Before graphql-core's specified rules run, ``limits.check_shape`` refuses documents too deep, too wide or
with too much introspection, in one pass linear in the document's size; the specified rules (among them the
quadratic ``OverlappingFieldsCanBeMergedRule``) only ever see documents that passed it. The calculated cost
depends on the request's variables: ``DocumentCache.cost`` evaluates it and remembers it per document.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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

from bff.graphql.compiled import DocumentPlans
from bff.graphql.cost import CostModel, Evaluation, QueryCost, size_variables
from bff.graphql.incremental import has_incremental, inline_document
from bff.graphql.limits import DocumentLimits, check_shape

if TYPE_CHECKING:
    from bff.settings import Settings

log = logging.getLogger("bff.graphql")

# Measured with tracemalloc: a parsed document holds 400-560 bytes per token (its nodes, locations and the
# token list they point into) plus its source text. The estimate doubles that to leave room for the execution
# plans made on first run, which are not measured one by one.
BYTES_PER_TOKEN = 1200
REFUSED_ENTRY_BYTES = 512  # a refusal keeps its digest and a few short messages
COST_MEMO_SIZE = 32  # distinct sets of sizing variables remembered per document


@dataclass(slots=True)
class CompiledDocument:
    """A parsed document, its validation errors (if any), and the type of each operation it holds."""

    hash: str
    document: DocumentNode | None
    errors: list[GraphQLError]
    syntax_error: bool = False
    operations: dict[str | None, OperationType] = field(default_factory=dict)
    plans: DocumentPlans | None = None  # compiled execution plans, made on first compiled run
    size: int = REFUSED_ENTRY_BYTES  # estimated bytes held, for the cache's byte bound
    sizing_variables: tuple[str, ...] = ()  # the variables a cost depends on
    costs: dict[tuple[Any, ...], int] = field(default_factory=dict)
    incremental: bool = False  # it uses @defer or @stream
    inline: CompiledDocument | None = None  # the same without @defer/@stream, made on first use

    def without_incremental(self) -> CompiledDocument:
        """The document without ``@defer``/``@stream``: one complete response, which a compiled plan may run."""
        if self.inline is None:
            assert self.document is not None
            self.inline = CompiledDocument(
                f"{self.hash}:inline",
                inline_document(self.document),
                [],
                operations=self.operations,
                size=0,  # counted in this entry's size (see DocumentCache._compile)
                sizing_variables=self.sizing_variables,
            )
        return self.inline

    def execution_plans(self) -> DocumentPlans:
        if self.plans is None:
            assert self.document is not None
            self.plans = DocumentPlans.of(self.document)
        return self.plans

    def operation_type(self, name: str | None) -> OperationType | None:
        if name is None and len(self.operations) == 1:
            return next(iter(self.operations.values()))
        return self.operations.get(name)

    def operation(self, name: str | None) -> OperationDefinitionNode | None:
        assert self.document is not None
        operations = [d for d in self.document.definitions if isinstance(d, OperationDefinitionNode)]
        if name is None:
            return operations[0] if len(operations) == 1 else None
        return next((o for o in operations if o.name and o.name.value == name), None)


def document_hash(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


def _refused(digest: str, errors: list[GraphQLError], *, syntax_error: bool = False) -> CompiledDocument:
    """An entry that keeps no tree: each error keeps its message and locations, not the nodes or source."""
    kept = []
    for error in errors[:10]:
        error.nodes = error.source = error.positions = None
        error.original_error = None
        kept.append(error.with_traceback(None))
    size = REFUSED_ENTRY_BYTES + sum(len(e.message) for e in kept)
    return CompiledDocument(digest, None, kept, syntax_error=syntax_error, size=size)


def _tokens(document: DocumentNode) -> int:
    count, token = 0, document.loc.start_token if document.loc else None
    while token is not None:
        count += 1
        token = token.next
    return count


# GraphQL's lexical tokens, close enough to count them: strings and block strings are one token each,
# comments none (they match so that their words are not counted).
_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|#[^\n\r]*|\.\.\.|[_A-Za-z][_0-9A-Za-z]*'
    r"|-?[0-9][0-9.eE+-]*|[!$&()\[\]{}:=@|]"
)


def count_tokens(query: str) -> int:
    """How many tokens graphql-core's lexer would read from ``query`` (a C-speed scan, before parsing)."""
    return sum(1 for match in _TOKEN.finditer(query) if match.group()[0] != "#")


class DocumentCache:
    def __init__(
        self,
        schema: GraphQLSchema,
        *,
        limits: DocumentLimits | None = None,
        max_depth: int | None = None,
        max_cost: int = 3000,
        default_page_size: int = 20,
        size: int = 1024,
        max_bytes: int = 64 << 20,
        max_tokens: int = 3000,
    ) -> None:
        self._schema = schema
        self._max_tokens = max_tokens
        self._size = size
        self._max_bytes = max_bytes
        self.limits = limits or DocumentLimits(max_depth=max_depth or 12)
        self.max_cost = max_cost
        self.cost_model = CostModel(schema, default_page_size=default_page_size)
        self._entries: OrderedDict[str, CompiledDocument] = OrderedDict()
        self.bytes = 0  # estimated bytes held by the entries

    @classmethod
    def for_settings(cls, schema: GraphQLSchema, settings: Settings) -> DocumentCache:
        return cls(
            schema,
            limits=DocumentLimits.of(settings),
            max_cost=settings.max_query_cost,
            default_page_size=settings.default_page_size,
            size=settings.document_cache_size,
            max_bytes=settings.document_cache_bytes,
            max_tokens=settings.max_query_tokens,
        )

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, query: str, digest: str | None = None) -> CompiledDocument:
        digest = digest or document_hash(query)
        entry = self._entries.get(digest)
        if entry is not None:
            self._entries.move_to_end(digest)
            return entry
        entry = self._compile(query, digest)
        self._keep(entry)
        return entry

    def _keep(self, entry: CompiledDocument) -> None:
        if not self._size or entry.size > self._max_bytes // 8:  # one document may not crowd out the rest
            return
        self._entries[entry.hash] = entry
        self.bytes += entry.size
        while len(self._entries) > self._size or self.bytes > self._max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.bytes -= evicted.size

    def _compile(self, query: str, digest: str) -> CompiledDocument:
        if len(query) > self._max_tokens and count_tokens(query) > self._max_tokens:
            # graphql-core's lexer would stop at the limit too, after ~10 us a token; the scan takes ~0.1 us.
            error = GraphQLError(f"Syntax Error: Document contains more than {self._max_tokens} tokens.")
            return _refused(digest, [error], syntax_error=True)
        try:
            document = parse(query, max_tokens=self._max_tokens)
        except GraphQLError as error:
            return _refused(digest, [error], syntax_error=True)
        if not any(isinstance(d, OperationDefinitionNode) for d in document.definitions):
            return _refused(digest, [GraphQLError("the document defines no operation")])
        errors = check_shape(document, self.limits)
        if errors:
            return _refused(digest, errors)
        try:
            errors = validate(self._schema, document, specified_rules, hide_suggestions=self.limits.hide_suggestions)
        except Exception:  # a validation rule that cannot cope with a document refuses it
            log.warning("validation of document %s failed", digest, exc_info=True)
            errors = [GraphQLError("the document could not be validated")]
        if errors:
            return _refused(digest, list(errors))
        operations = {
            (d.name.value if d.name else None): d.operation
            for d in document.definitions
            if isinstance(d, OperationDefinitionNode)
        }
        incremental = has_incremental(document)
        return CompiledDocument(
            digest,
            document,
            [],
            operations=operations,
            # A document with @defer/@stream may hold a second tree (its inline form): counted here.
            size=(2 if incremental else 1) * BYTES_PER_TOKEN * _tokens(document) + len(query),
            sizing_variables=size_variables(document, self.cost_model.size_argument_names),
            incremental=incremental,
        )

    def cost(
        self, compiled: CompiledDocument, operation_name: str | None, variables: Mapping[str, Any] | None
    ) -> QueryCost:
        """The calculated cost of the chosen operation with these variables (remembered per document)."""
        variables = variables or {}
        key = (operation_name, *(_hashable(variables.get(name)) for name in compiled.sizing_variables))
        requested = compiled.costs.get(key)
        if requested is None:
            operation = compiled.operation(operation_name)
            assert compiled.document is not None and operation is not None
            requested = Evaluation(self.cost_model, compiled.document, variables).operation(operation)
            if len(compiled.costs) >= COST_MEMO_SIZE:
                compiled.costs.clear()
            compiled.costs[key] = requested
        # Actual = requested: counting what came back would walk every response for a refund no budget
        # spends yet (the rate limiter can refine it).
        return QueryCost(requested, requested, self.max_cost)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return ("list", len(value))
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return ("other", type(value).__name__)
