"""Shopify's product search syntax (``products(query: "...")``), parsed and turned into a search request.

The subset storefronts send: free text (words and ``"quoted phrases"``), ``title:``, ``tag:``,
``product_type:``, ``vendor:``, ``available_for_sale:true|false`` and ``variants.price:<50`` (``<``, ``<=``,
``>``, ``>=``; bounds are inclusive, as the search port's price filter is), joined by ``AND`` (or a space)
and ``OR``, grouped by parentheses. A grammar parsed by lark (LALR, linear in the text), then a tree of
``Term``/``All``/``Any`` nodes, then what the search port takes: the words to match and a ``ProductQuery``.

What the port cannot express is refused with the reason rather than answered wrongly: negation (``NOT``,
``-tag:x``), two different values of one field that must both hold (``tag:a AND tag:b``), ``OR`` across
different fields, and fields outside the list above.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedInput

from bff.domain.catalog import ProductQuery

MAX_QUERY_CHARS = 200
MAX_VALUES = 50
MAX_AMOUNT = Decimal(10) ** 12
FIELDS = ("title", "tag", "product_type", "vendor", "available_for_sale", "variants.price")
COMPARATORS = ("<", "<=", ">", ">=")

_GRAMMAR = r"""
?start: or_expr?
?or_expr: and_expr (_OR and_expr)*
?and_expr: unary (_AND? unary)*
?unary: _NOT unary          -> negation
      | _MINUS atom         -> negation
      | atom
?atom: "(" or_expr ")"
     | FIELD_NAME ":" COMPARATOR? value   -> field
     | value                              -> text
?value: WORD | PHRASE

_OR.3: /OR(?=[\s()]|$)/
_AND.3: /AND(?=[\s()]|$)/
_NOT.3: /NOT(?=[\s()]|$)/
_MINUS.2: /-(?=[^\s-])/
FIELD_NAME.2: /[A-Za-z_][A-Za-z_.]*(?=:)/
COMPARATOR: "<=" | ">=" | "<" | ">"
WORD: /[^\s():"'<>=\-][^\s():"']*/
PHRASE: /"[^"]*"/ | /'[^']*'/
%ignore /\s+/
"""

_PARSER = Lark(_GRAMMAR, parser="lalr", maybe_placeholders=False)


class SearchSyntaxError(ValueError):
    """A query string that does not parse, or asks for something the search port cannot answer."""


@dataclass(frozen=True, slots=True)
class Term:
    """One condition: ``field`` None is free text; ``op`` is ``:`` or a comparator."""

    field: str | None
    value: str
    op: str = ":"


@dataclass(frozen=True, slots=True)
class All:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Any:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


Node = Term | All | Any | Not


class _Tree(Transformer[Token, Node]):
    def field(self, children: list[Token]) -> Term:
        name, *rest = children
        op = str(rest[0]) if len(rest) == 2 else ":"
        return Term(str(name).lower(), _unquote(rest[-1]), op)

    def text(self, children: list[Token]) -> Term:
        return Term(None, _unquote(children[0]))

    def and_expr(self, children: list[Node]) -> All:
        return All(tuple(children))

    def or_expr(self, children: list[Node]) -> Any:
        return Any(tuple(children))

    def negation(self, children: list[Node]) -> Not:
        return Not(children[-1])


def _unquote(token: Token | str) -> str:
    text = str(token)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].strip()
    return text


def parse(query: str) -> Node | None:
    """The query's tree; None for an empty query. ``SearchSyntaxError`` says where it fails to parse."""
    if len(query) > MAX_QUERY_CHARS:
        raise SearchSyntaxError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    try:
        tree = _PARSER.parse(query)
    except UnexpectedInput as error:
        raise SearchSyntaxError(f"the query does not parse at character {error.column}") from None
    except LarkError:
        raise SearchSyntaxError("the query does not parse") from None
    if not getattr(tree, "children", True) and getattr(tree, "data", None) == "start":
        return None
    node = _Tree().transform(tree)
    return None if getattr(node, "data", None) == "start" else node


@dataclass(frozen=True, slots=True)
class Translation:
    """What the search port is asked: ``text`` None browses (filters only)."""

    text: str | None
    filters: ProductQuery


def translate(node: Node | None) -> Translation:
    """The words to match and the filters; ``SearchSyntaxError`` for what the port cannot express."""
    if node is None:
        return Translation(None, ProductQuery())
    words: list[str] = []
    values: dict[str, tuple[str, ...]] = {}
    available: bool | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    for clause in _clauses(node):
        if isinstance(clause, Not):
            raise SearchSyntaxError("negation (NOT, -) is not supported")
        terms = _alternatives(clause)
        field = terms[0].field
        if field is None or field == "title":
            words.extend(t.value for t in terms)
            continue
        if field not in FIELDS:
            raise SearchSyntaxError(f"`{field}:` is not a supported field; use one of {', '.join(FIELDS)}")
        if field in ("tag", "product_type", "vendor"):
            if field in values:
                raise SearchSyntaxError(f"two `{field}:` conditions that must both hold are not supported; use OR")
            values[field] = tuple(dict.fromkeys(t.value for t in terms))
            continue
        if len(terms) > 1:
            raise SearchSyntaxError(f"OR between `{field}:` conditions is not supported")
        term = terms[0]
        if field == "available_for_sale":
            if term.op != ":" or term.value.lower() not in ("true", "false"):
                raise SearchSyntaxError("`available_for_sale:` takes true or false")
            available = term.value.lower() == "true"
            continue
        amount = _amount(term)
        if term.op in ("<", "<="):
            high = amount if high is None else min(high, amount)
        elif term.op in (">", ">="):
            low = amount if low is None else max(low, amount)
        else:
            low = high = amount
    if any(len(v) > MAX_VALUES for v in values.values()):
        raise SearchSyntaxError(f"at most {MAX_VALUES} values per field")
    if low is not None and high is not None and low > high:
        raise SearchSyntaxError("`variants.price:` bounds leave no price")
    text = " ".join(w for w in words if w and w != "*").strip() or None
    filters = ProductQuery(
        product_types=values.get("product_type", ()),
        vendors=values.get("vendor", ()),
        tags=values.get("tag", ()),
        available=available,
        min_price=low,
        max_price=high,
    )
    return Translation(text, filters)


def _clauses(node: Node) -> list[Node]:
    """The conditions that must all hold, groups of ANDs flattened (``a (b c)`` is ``a b c``)."""
    if isinstance(node, All):
        return [c for item in node.items for c in _clauses(item)]
    return [node]


def _alternatives(clause: Node) -> list[Term]:
    """The terms of one clause: a term, or an OR of terms on one field (free text and ``title:`` alike)."""
    if isinstance(clause, Term):
        return [clause]
    if isinstance(clause, Any) and all(isinstance(t, Term) for t in clause.items):
        terms = [t for t in clause.items if isinstance(t, Term)]
        kinds = {"text" if t.field in (None, "title") else t.field for t in terms}
        if len(kinds) == 1:
            return terms
        raise SearchSyntaxError("OR between different fields is not supported")
    raise SearchSyntaxError("nested groups are not supported beyond `(a OR b)` on one field")


def _amount(term: Term) -> Decimal:
    try:
        amount = Decimal(term.value)
    except InvalidOperation:
        raise SearchSyntaxError("`variants.price:` takes an amount, e.g. variants.price:<50") from None
    if not amount.is_finite() or not 0 <= amount <= MAX_AMOUNT:
        raise SearchSyntaxError(f"`variants.price:` takes an amount between 0 and {MAX_AMOUNT}")
    return amount.quantize(Decimal("0.0001"))
