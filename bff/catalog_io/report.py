"""What an import did: counts, the records it refused (with their lines and reasons), fields it ignored."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Rejection:
    """A record that was not imported. ``index`` counts records in the file from 0."""

    line: int | None
    id: str | None
    reason: str
    index: int | None = None
    kind: str = "product"
    source: str | None = None  # set when the record came from another file (``categories.yaml``)

    def format(self) -> str:
        where = f"line {self.line}" if self.line is not None else f"record #{(self.index or 0) + 1}"
        if self.source:
            where = f"{self.source} {where}"
        what = f"{self.kind} {self.id!r}" if self.id else self.kind
        return f"{where}: {what}: {self.reason}"


@dataclass(slots=True)
class ImportReport:
    path: str
    feed_format: str
    products_read: int = 0
    created: int = 0
    updated: int = 0
    categories_created: int = 0
    categories_updated: int = 0
    discounts_read: int = 0
    discounts_imported: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    unknown_fields: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def imported(self) -> int:
        """Products written: new ones plus ones that replaced a stored product with the same id."""
        return self.created + self.updated

    @property
    def ok(self) -> bool:
        return not self.rejected

    def format(self, max_rejections: int = 50) -> str:
        lines = [
            f"{self.path} ({self.feed_format}): {self.products_read} products read, {self.imported} imported "
            f"({self.created} new, {self.updated} updated), {len(self.rejected)} rejected; categories: "
            f"{self.categories_created} new, {self.categories_updated} updated; {self.seconds:.2f}s"
        ]
        if self.discounts_read:
            lines[0] += f"; discounts: {self.discounts_read} read, {self.discounts_imported} imported"
        if self.unknown_fields:
            ignored = ", ".join(f"{name} ({count})" for name, count in sorted(self.unknown_fields.items()))
            lines.append(f"ignored unknown fields (records): {ignored}")
        if self.rejected:
            lines.append("rejected:")
            lines += [f"  {r.format()}" for r in self.rejected[:max_rejections]]
            if len(self.rejected) > max_rejections:
                lines.append(f"  ... and {len(self.rejected) - max_rejections} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()
