"""A report as data: titled sections of typed tables, the one input of both renderers.

A cell's kind decides how it is shown and stored: counts as integers, ratios as percentages, money
(kept in fen everywhere on the platform) as yuan with two decimals, dates as dates. `SUPPRESSED`
stands for a figure the roll-up withheld (a small count): it is shown as 「已抑制」, never as 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

KINDS = ("text", "int", "decimal", "ratio", "money", "date")
SUPPRESSED_TEXT = "已抑制"
NOT_COMPUTABLE_TEXT = "—"


class _Suppressed:
    def __repr__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED = _Suppressed()


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "text"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown cell kind {self.kind}")


@dataclass(frozen=True)
class Typed:
    """A cell whose kind is its own, not its column's (a table of figures of several kinds)."""
    kind: str
    value: object


def kind_of(column_kind: str, value) -> tuple[str, object]:
    return (value.kind, value.value) if isinstance(value, Typed) else (column_kind, value)


@dataclass
class Table:
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    caption: str | None = None


@dataclass
class Section:
    heading: str
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Document:
    title: str
    facts: list[tuple[str, str]]  # the cover lines: region, period, as of, generated at
    sections: list[Section]
    sheet_names: dict[str, str] = field(default_factory=dict)


def shown(kind: str, value) -> str:
    """A cell as text (the PDF's, and the text a test finds in it)."""
    kind, value = kind_of(kind, value)
    if value is SUPPRESSED:
        return SUPPRESSED_TEXT
    if value is None:
        return NOT_COMPUTABLE_TEXT if kind != "text" else ""
    if kind == "int":
        return f"{int(value):,}"
    if kind == "decimal":
        return f"{float(value):,.2f}"
    if kind == "ratio":
        return f"{float(value) * 100:.1f}%"
    if kind == "money":
        return f"{int(value) / 100:,.2f}"
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)[:10]
    return str(value)


def figure(value):
    """A roll-up value as a cell: the roll-up marks a withheld figure as {"suppressed": true}."""
    if isinstance(value, dict) and value.get("suppressed"):
        return SUPPRESSED
    return value
