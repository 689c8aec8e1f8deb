"""Schema drift: a record key the contract does not name becomes a new raw column, recorded and reported.

The column's kind is the kind of the key's first value (in file and line order), widened to number when the
key carries both whole and fractional numbers. A later value that does not fit the column's kind is a type
conflict: that record is quarantined, the column keeps its type.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from connectors.sources.contract import DUCKDB_TYPES, LINEAGE_COLUMNS, Entity, Kind

MAX_NEW_COLUMNS = 64
"""A table takes at most this many drift columns; records with further new keys are quarantined, since a sender
that invents keys per record (ids as keys) would otherwise grow the table without bound."""

SCHEMA_CHANGES_DDL = """
create table if not exists raw._schema_changes (
    source_table varchar, record_key varchar, column_name varchar, kind varchar, column_type varchar,
    first_file varchar, batch_id varchar, added_at timestamp,
    primary key (source_table, record_key)
)
"""


@dataclass(frozen=True)
class DriftColumn:
    """A raw column added for a record key outside the contract."""

    key: str
    column: str
    kind: Kind

    @property
    def column_type(self) -> str:
        return DUCKDB_TYPES[self.kind]


def value_kind(json_type: str) -> Kind | None:
    """Gives the column kind for a DuckDB json_type() name (NULL gives None: no evidence)."""
    return {
        "VARCHAR": "string",
        "BOOLEAN": "boolean",
        "BIGINT": "integer",
        "UBIGINT": "integer",
        "DOUBLE": "number",
        "OBJECT": "json",
        "ARRAY": "json",
    }.get(json_type.upper(), None if json_type.upper() == "NULL" else "number")


def infer_kind(kinds: Iterable[Kind]) -> Kind:
    """Gives a new column's kind from the kinds of its values in load order: the first one, widened to
    number when whole and fractional numbers mix."""
    seen = [k for k in kinds if k is not None]
    if not seen:
        return "string"
    if seen[0] in ("integer", "number") and all(k in ("integer", "number") for k in seen):
        return "number" if "number" in seen else "integer"
    return seen[0]


def column_name(key: str, taken: set[str]) -> str:
    """Gives a column name for a record key: lower-case, letters (any script), digits and underscores."""
    base = re.sub(r"\W+", "_", key.strip().lower()).strip("_")[:60] or "field"
    if base[0].isdigit():
        base = f"f_{base}"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name


def plan_new_columns(
    entity: Entity, existing: list[DriftColumn], discovered: list[tuple[str, Kind]]
) -> list[DriftColumn]:
    """Gives the drift columns to add for keys discovered in a batch (key, kind), in discovery order."""
    taken = {name for name, _ in entity.columns()} | {c.column for c in existing}
    taken |= {name for name, _ in LINEAGE_COLUMNS}
    known = {c.key for c in existing}
    added: list[DriftColumn] = []
    for key, kind in discovered:
        if key in known or len(existing) + len(added) >= MAX_NEW_COLUMNS:
            continue
        column = DriftColumn(key, column_name(key, taken), kind)
        taken.add(column.column)
        known.add(key)
        added.append(column)
    return added
