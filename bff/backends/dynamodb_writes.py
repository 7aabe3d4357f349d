"""The DynamoDB catalog's product and stock writes: only the items whose stored form changed, each
product's write conditional on the version read (consistently) just before.

A product's items (``docs/data-model.md``): the product item, 12 listing entries, one item per variant and
one stock item per variant (``VARIANT#<id>`` / ``STOCK``: ``onHand``, ``reserved``, ``available`` =
onHand - reserved, ``version``). A product write sets ``onHand`` where it changed (an import: to what the
feed says; an admin edit: where the quantity differs from the available units stored) with an UpdateItem
that leaves ``reserved`` alone, so a re-import never erases what orders reserved.

* ``update_product`` (admins): one TransactWriteItems of the changed items, the product item put on the
  condition ``version = :read``.
* imports: the changed variant, entry and new stock items by BatchWriteItem, changed stock by conditional
  UpdateItem, then the product item by PutItem on the condition ``version = :read`` (the commit point; a
  transaction would double the write units of a bulk load). A lost condition re-reads and redoes that
  product. The listing scopes' counters (``dynamodb_counts``) move for the products committed.

Items DynamoDB would refuse (``dynamodb_limits``) are refused with ``BadUserInput`` before anything is
written.
* ``set_stock``: an UpdateItem of the stock item (1 write unit), conditional on its version; when a
  product's availability crosses zero, one TransactWriteItems puts its product item (next version, on the
  condition of the one read) and its 12 listing entries with the new ``available`` flag.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from bff.backends import dynamodb_counts as counts
from bff.backends import dynamodb_items as items
from bff.backends import dynamodb_limits as limits
from bff.backends import dynamodb_schema as s
from bff.backends.dynamodb_client import TRANSACTION_MAX, DynamoRequests
from bff.backends.dynamodb_items import Item
from bff.domain.catalog import ProductRecord, StockChange, StockLevel
from bff.errors import BadUserInput, Conflict

Key = dict[str, str]
Pair = tuple[str, str]
# Tries of one product's or one stock item's write against a fresh read before ``Conflict`` reaches the caller.
ATTEMPTS = 5
# Conditional single-item writes in flight at once.
IN_FLIGHT = 16


def pair(item: dict[str, Any]) -> Pair:
    return str(item[s.PK]), str(item[s.SK])


@dataclass(slots=True)
class ProductWrite:
    """The items one product write changes, and the record as it will be stored."""

    product: Item
    expected: int | None  # the version read; None: the product did not exist
    puts: list[Item] = field(default_factory=list)
    deletes: list[Key] = field(default_factory=list)
    stock_updates: list[dict[str, Any]] = field(default_factory=list)  # UpdateItem bodies
    stock_puts: list[Item] = field(default_factory=list)  # stock items of new variants
    moves: Counter[str] = field(default_factory=Counter)  # listing scopes' product counts (``dynamodb_counts``)
    written: ProductRecord | None = None

    def condition(self) -> dict[str, Any]:
        if self.expected is None:
            return {"ConditionExpression": "attribute_not_exists(#pk)", "ExpressionAttributeNames": {"#pk": s.PK}}
        return {
            "ConditionExpression": "#v = :v",
            "ExpressionAttributeNames": {"#v": "version"},
            "ExpressionAttributeValues": {":v": {"N": str(self.expected)}},
        }

    def actions(self) -> list[dict[str, Any]]:
        actions: list[dict[str, Any]] = [{"Put": {"Item": items.to_wire(self.product), **self.condition()}}]
        actions += [{"Put": {"Item": items.to_wire(i)}} for i in self.puts]
        actions += [{"Put": {"Item": items.to_wire(i), **_new_stock_condition()}} for i in self.stock_puts]
        actions += [{"Update": u} for u in self.stock_updates]
        actions += [{"Delete": {"Key": items.to_wire(k)}} for k in self.deletes]
        return actions


def _new_stock_condition() -> dict[str, Any]:
    return {"ConditionExpression": "attribute_not_exists(#pk)", "ExpressionAttributeNames": {"#pk": s.PK}}


def _set_on_hand(stock: Item, on_hand: int, product_id: str) -> dict[str, Any]:
    """An UpdateItem body: on hand and available set, ``reserved`` untouched, on the stock's version."""
    return {
        "Key": items.to_wire(s.stock_key(str(stock["variantId"]))),
        "UpdateExpression": "SET #onHand = :n, #available = :n - #reserved, #productId = :p ADD #version :one",
        "ConditionExpression": "#version = :v",
        "ExpressionAttributeNames": {
            "#onHand": "onHand",
            "#available": "available",
            "#reserved": "reserved",
            "#productId": "productId",
            "#version": "version",
        },
        "ExpressionAttributeValues": {
            ":n": {"N": str(on_hand)},
            ":p": {"S": product_id},
            ":one": {"N": "1"},
            ":v": {"N": str(int(stock["version"]))},
        },
    }


async def read_stored(
    requests: DynamoRequests, records: Sequence[ProductRecord]
) -> tuple[dict[Pair, Item], dict[Pair, Item]]:
    """The stored product items of ``records``, and their old and new variants' variant and stock items
    (strongly consistent: what a conditional write starts from)."""
    products = await requests.batch_get([s.product_key(r.product.id) for r in records], consistent=True)
    variant_ids = {v.id for r in records for v in r.variants}
    variant_ids |= {str(v) for p in products.values() for v in p.get("variantIds", ())}
    keys = [k for v in sorted(variant_ids) for k in (s.variant_key(v), s.stock_key(v))]
    return products, await requests.batch_get(keys, consistent=True)


def plan_product(
    record: ProductRecord, old: Item | None, stored: dict[Pair, Item], now: datetime, *, changed_only: bool
) -> ProductWrite:
    """What writing ``record`` over ``old`` changes. ``changed_only``: set on hand only where the record's
    quantity differs from the available units stored (an admin edit of a record read back); otherwise
    wherever it differs from the stored on hand (an import)."""
    pid = record.product.id
    stock_after: dict[str, Item] = {}
    write = ProductWrite(product={}, expected=int(old.get("version", 0)) if old else None)
    for variant in record.variants:
        stock = stored.get(pair(s.stock_key(variant.id)))
        if stock is None:
            level = StockLevel(variant.id, variant.quantity_available, 0, 1)
            stock_after[variant.id] = items.stock_item(level, pid)
            write.stock_puts.append(stock_after[variant.id])
            continue
        current = int(stock["onHand"]) if not changed_only else max(0, int(stock["available"]))
        on_hand = variant.quantity_available if current != variant.quantity_available else int(stock["onHand"])
        if on_hand != int(stock["onHand"]) or stock.get("productId") != pid:
            write.stock_updates.append(_set_on_hand(stock, on_hand, pid))
            level = StockLevel(variant.id, on_hand, int(stock["reserved"]), int(stock["version"]) + 1)
            stock_after[variant.id] = items.stock_item(level, pid)
        else:
            stock_after[variant.id] = stock
    created = datetime.fromisoformat(old["createdAt"]) if old else (record.product.created_at or now)
    version = (write.expected or 0) + 1
    available = any(int(i["available"]) > 0 for i in stock_after.values())
    product = items.product_item(record, created, record.product.updated_at or now, version, available)
    write.product = product
    fresh = [*items.listing_entries(product), *map(items.variant_item, record.variants)]
    # Refused before anything is written: DynamoDB refuses a whole batch for one such item.
    refused = next((why for why in map(limits.problem, [product, *fresh, *write.stock_puts]) if why), None)
    if refused:
        raise BadUserInput(f"product {pid}: {refused}", field="id")
    write.moves = counts.scope_moves(old, product)
    before = {**({pair(e): e for e in items.listing_entries(old)} if old else {}), **stored}
    write.puts = [i for i in fresh if pair(i) not in before or items.to_wire(i) != items.to_wire(before[pair(i)])]
    new_keys = {pair(i) for i in fresh} | {pair(s.stock_key(v.id)) for v in record.variants}
    if old is not None:
        stale: list[Key] = [{s.PK: e[s.PK], s.SK: e[s.SK]} for e in items.listing_entries(old)]
        for v in old.get("variantIds", ()):
            stale += [s.variant_key(str(v)), s.stock_key(str(v))]
        write.deletes = [k for k in stale if pair(k) not in new_keys and pair(k) in before]
    variants = tuple(items.variant_from_item(items.variant_item(v), stock_after[v.id]) for v in record.variants)
    ordered = tuple(sorted(variants, key=lambda v: (v.position, v.id)))
    write.written = ProductRecord(items.product_from_item(product), ordered)
    return write


async def update_product(requests: DynamoRequests, record: ProductRecord, expected_version: int) -> ProductRecord:
    products, stored = await read_stored(requests, [record])
    old = products.get(pair(s.product_key(record.product.id)))
    if old is None or int(old.get("version", 0)) != expected_version:
        raise Conflict(f"product {record.product.id} changed since version {expected_version}", field="id")
    write = plan_product(record, old, stored, datetime.now(UTC), changed_only=True)
    actions = write.actions() + [counts.move_action(scope, n) for scope, n in write.moves.items() if n]
    if len(actions) > TRANSACTION_MAX:
        raise BadUserInput(
            f"one update may change at most {TRANSACTION_MAX} catalog items on DynamoDB ({len(actions)} here): "
            "change fewer variants at once"
        )
    await requests.transact_write(actions)
    assert write.written is not None
    return write.written


async def upsert_products(requests: DynamoRequests, records: Sequence[ProductRecord]) -> list[ProductRecord]:
    """Each product written conditionally on the version read; a product that lost is read again and
    redone (up to ``ATTEMPTS`` times)."""
    latest = list({r.product.id: r for r in records}.values())
    written: dict[str, ProductRecord] = {}
    moves: Counter[str] = Counter()
    todo = latest
    for attempt in range(ATTEMPTS):
        products, stored = await read_stored(requests, todo)
        now = datetime.now(UTC)
        plans = [
            plan_product(r, products.get(pair(s.product_key(r.product.id))), stored, now, changed_only=False)
            for r in todo
        ]
        puts = [i for p in plans for i in (*p.puts, *p.stock_puts)]
        deletes = [k for p in plans for k in p.deletes]
        try:
            await requests.batch_write(puts, deletes)
        except ClientError as exc:
            # An item the checks did not foresee: the importer then writes product by product, and a product
            # DynamoDB refuses alone becomes a line of its report.
            raise limits.refused(exc) from exc
        lost = await _commit(requests, plans)
        for plan in plans:
            if plan.product["id"] not in lost and plan.written:
                written[plan.product["id"]] = plan.written
                moves.update(plan.moves)
        todo = [r for r in todo if r.product.id in lost]
        if not todo:
            break
        if attempt == ATTEMPTS - 1:
            await counts.apply_moves(requests, moves)
            raise Conflict(f"products kept changing while they were imported: {sorted(lost)[:5]}")
    await counts.apply_moves(requests, moves)
    return [written[r.product.id] for r in latest]


async def _commit(requests: DynamoRequests, plans: Sequence[ProductWrite]) -> set[str]:
    """The stock updates, then each product item, conditionally; the ids of the products that lost."""
    limit = asyncio.Semaphore(IN_FLIGHT)
    lost: set[str] = set()
    refused: list[ClientError] = []

    async def one(plan: ProductWrite) -> None:
        async with limit:
            try:
                for update in plan.stock_updates:
                    await requests.call("UpdateItem", {"TableName": requests.table, **update})
                body = {"TableName": requests.table, "Item": items.to_wire(plan.product), **plan.condition()}
                await requests.call("PutItem", body)
            except Conflict:
                lost.add(str(plan.product["id"]))
            except ClientError as exc:
                refused.append(exc)

    await asyncio.gather(*(one(p) for p in plans))
    if refused:
        # DynamoDB refused a product item: the importer then writes product by product (``dynamodb_limits``).
        raise limits.refused(refused[0]) from refused[0]
    return lost


# -- stock --------------------------------------------------------------------------------------------


async def get_stock(requests: DynamoRequests, variant_ids: Sequence[str]) -> list[StockLevel | None]:
    found = await requests.batch_get([s.stock_key(v) for v in variant_ids], consistent=True)
    return [_level(found.get(pair(s.stock_key(v)))) for v in variant_ids]


def _level(item: Item | None) -> StockLevel | None:
    return None if item is None else items.stock_from_item(item)


async def set_stock(requests: DynamoRequests, levels: Sequence[tuple[str, int]]) -> StockChange:
    wanted = dict(levels)
    found = await requests.batch_get([s.stock_key(v) for v in wanted], consistent=True)
    stored = {v: found.get(pair(s.stock_key(v))) for v in wanted}
    missing = [v for v, item in stored.items() if item is None]
    if missing:
        raise BadUserInput(f"no variant has the id {missing[0]!r}", field="variantId")
    limit = asyncio.Semaphore(IN_FLIGHT)

    def crossed(before: Item, after: Item) -> bool:
        return (int(before["available"]) > 0) != (int(after["available"]) > 0)

    async def one(variant_id: str, first: Item) -> tuple[Item, bool]:
        """The stock item after the write, and whether its availability crossed zero since ``first`` (the
        state read before this call wrote: a write whose answer was lost and that lands anyway still counts)."""
        stock = first
        async with limit:
            for _ in range(ATTEMPTS):
                if int(stock["onHand"]) == wanted[variant_id]:
                    return stock, crossed(first, stock)
                update = _set_on_hand(stock, wanted[variant_id], str(stock["productId"]))
                body = {"TableName": requests.table, **update, "ReturnValues": "ALL_NEW"}
                try:
                    after = items.from_wire((await requests.call("UpdateItem", body))["Attributes"])
                except Conflict:
                    key = s.stock_key(variant_id)
                    stock = (await requests.batch_get([key], consistent=True))[pair(key)]
                    continue
                return after, crossed(first, after)
        raise Conflict(f"the stock of variant {variant_id} kept changing")

    results = await asyncio.gather(*(one(v, item) for v, item in stored.items() if item is not None))
    products = list(dict.fromkeys(str(after["productId"]) for after, _ in results))
    crossing = list(dict.fromkeys(str(after["productId"]) for after, flip in results if flip))
    flipped = [r for r in await asyncio.gather(*(refresh_availability(requests, p) for p in crossing)) if r]
    return StockChange(tuple(items.stock_from_item(a) for a, _ in results), tuple(products), tuple(flipped))


async def refresh_availability(requests: DynamoRequests, product_id: str) -> ProductRecord | None:
    """Rewrite the product's ``available`` flag (product item and listing entries) when its variants'
    stock says otherwise; the product as written, or ``None`` when the flag was right."""
    key = s.product_key(product_id)
    lost = False
    for _ in range(ATTEMPTS):
        product = (await requests.batch_get([key], consistent=True)).get(pair(key))
        if product is None:
            return None
        ids = [str(v) for v in product.get("variantIds", ())]
        found = await requests.batch_get([k for v in ids for k in (s.variant_key(v), s.stock_key(v))], consistent=True)
        stocks = [found.get(pair(s.stock_key(v))) for v in ids]
        available = any(int(i["available"]) > 0 for i in stocks if i)
        written = product
        if available != bool(product.get("available", False)):
            version = int(product.get("version", 0))
            written = {**product, "available": available, "version": version + 1}
            plan = ProductWrite(product=written, expected=version, puts=items.listing_entries(written))
            try:
                await requests.transact_write(plan.actions())
            except Conflict:
                # Another write came first, or this one landed and its answer was lost (the SDK retried it
                # against its own result): read again, and report the product as written either way.
                lost = True
                continue
        elif not lost:
            return None
        variants = [
            items.variant_from_item(found[pair(s.variant_key(v))], found.get(pair(s.stock_key(v))))
            for v in ids
            if pair(s.variant_key(v)) in found
        ]
        return ProductRecord(items.product_from_item(written), tuple(variants))
    raise Conflict(f"product {product_id} kept changing while its availability was refreshed")
