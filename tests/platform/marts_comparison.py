"""Compares the tables of one schema on two engines, row for row, so a portability bug shows as a diff."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from typing import Any

Row = tuple[Any, ...]


def normalized(value: Any) -> Any:
    """Gives a value in a form both engines agree on: floats to 9 significant digits, times as ISO text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        number = float(value)
        return None if math.isnan(number) else float(f"{number:.9g}")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def fetch_table(cursor: Any, qualified: str) -> tuple[list[str], list[Row]]:
    """Gives the column names (lower-case) and rows of a table through a DB-API cursor."""
    cursor.execute(f"select * from {qualified}")
    columns = [d[0].lower() for d in cursor.description]
    return columns, [tuple(row) for row in cursor.fetchall()]


def clock_columns(columns: list[str], rows: list[Row], built_after: datetime) -> set[str]:
    """Gives columns that hold the build's own clock (every value later than the build's start): they differ
    between two builds by design, so only their presence is compared."""
    found = set()
    for index, name in enumerate(columns):
        values = [row[index] for row in rows if row[index] is not None]
        if values and all(isinstance(v, datetime) and v.replace(tzinfo=None) >= built_after for v in values):
            found.add(name)
    return found


def as_multiset(columns: list[str], rows: list[Row], keep: list[str]) -> Counter:
    positions = [columns.index(name) for name in keep]
    return Counter(tuple(normalized(row[i]) for i in positions) for row in rows)


def table_differences(
    left: tuple[list[str], list[Row]],
    right: tuple[list[str], list[Row]],
    built_after: datetime,
    show: int = 5,
) -> list[str]:
    """Gives what differs between two copies of one table (columns, then rows); empty when they are equal."""
    (left_columns, left_rows), (right_columns, right_rows) = left, right
    if sorted(left_columns) != sorted(right_columns):
        return [f"columns differ: {sorted(set(left_columns) ^ set(right_columns))}"]
    clock = clock_columns(left_columns, left_rows, built_after) | clock_columns(
        right_columns, right_rows, built_after
    )
    keep = sorted(set(left_columns) - clock)
    left_set, right_set = (
        as_multiset(left_columns, left_rows, keep),
        as_multiset(right_columns, right_rows, keep),
    )
    if left_set == right_set:
        return []
    only_left, only_right = left_set - right_set, right_set - left_set
    return [
        f"{len(left_rows)} vs {len(right_rows)} rows; columns {keep}",
        *(f"only left:  {row}" for row in list(only_left)[:show]),
        *(f"only right: {row}" for row in list(only_right)[:show]),
    ]


def marts_differences(
    reference: Any, other: Any, tables: dict[str, str], built_after: datetime
) -> dict[str, list[str]]:
    """Gives, per mart, what differs between the reference's marts.<name> (a DuckDB cursor) and `other`'s table
    (the relation `tables` names for it); empty when every mart is equal."""
    differences = {}
    for name, relation in tables.items():
        diff = table_differences(
            fetch_table(reference, f"marts.{name}"), fetch_table(other, relation), built_after=built_after
        )
        if diff:
            differences[name] = diff
    return differences


def describe(differences: dict[str, list[str]]) -> str:
    """Gives the differences of marts_differences as an assertion message."""
    return "\n".join(f"marts.{t}:\n  " + "\n  ".join(d) for t, d in differences.items())
