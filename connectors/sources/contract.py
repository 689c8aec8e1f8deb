"""The landing contract: what each channel's files look like and what a valid record is.

One `Entity` per source table. A landed record either becomes one row of raw.<channel>_<entity>, with its
identifiers normalised once (connectors.identifiers), or one row of quarantine.<channel>_<entity> with a reason a
person can act on. Nothing is dropped.

The rules are enforced twice, from these declarations: record by record (`record_validation.conform`, used by the
collector and as the executable specification) and in bulk (`sql_validation`, used by the loader). Tests hold
the two to the same decisions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["string", "timestamp", "epoch_seconds", "integer", "number", "json", "boolean"]
Format = Literal["jsonl", "csv", "xlsx", "wechat_xml"]

DUCKDB_TYPES: dict[str, str] = {
    "string": "varchar",
    "timestamp": "timestamp",
    "epoch_seconds": "timestamp",
    "integer": "bigint",
    "number": "double",
    "json": "varchar",
    "boolean": "boolean",
}

KIND_RULES: dict[str, str] = {
    "string": "text",
    "timestamp": "ISO 8601 date-time (2026-08-01T10:00:00+08:00; no offset means UTC)",
    "epoch_seconds": "whole seconds since 1970-01-01 UTC (at most 11 digits)",
    "integer": "a whole number (at most 2^53)",
    "number": "a finite decimal number",
    "json": "a JSON object or array (or a string holding one)",
    "boolean": "true or false",
}

# The value grammars both enforcement paths share (Python `re` and DuckDB's RE2 read them alike).
TIMESTAMP_PATTERN = (
    r"(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}"
    r"([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
    r"(Z|[+-]([01][0-9]|2[0-3])(:?[0-5][0-9])?)?)?"
)
EPOCH_PATTERN = r"[0-9]{1,11}"
NUMBER_PATTERN = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
MAX_EXACT_INTEGER = 2**53
REASON_VALUE_CHARS = 80
"""Values quoted in quarantine reasons are cut to this many characters (the full record is in raw_payload)."""

ID_TYPES = ("phone", "email", "wechat_openid", "wechat_unionid", "anonymous_id", "crm_id", "external_id")
_KEY_RE = re.compile(r"^[^\"\\\x00-\x1f]{1,200}$")


@dataclass(frozen=True)
class Field:
    """One column of a landed record.

    `sources` says where the value is in a record, first non-blank wins: dotted paths into a JSON record
    (`context.page.path`), XML element names, or (lower-cased) CSV/XLSX headers. Default: the field's name.
    """

    name: str
    kind: Kind = "string"
    required: bool = False
    description: str = ""
    sources: tuple[str, ...] = ()

    @property
    def paths(self) -> tuple[str, ...]:
        return self.sources or (self.name,)


@dataclass(frozen=True)
class IdentifierField:
    """A field that carries an identifier of the person behind the record (or, with links_record=False, of
    someone else: the colleague or customer whose share led here).

    The type is fixed (`id_type`) or read from another field (`type_field`). OpenIDs are scoped by their
    official account (`scope_field`), list ids by their list; `scope` is a fixed scope (web user ids: 'site').
    """

    name: str
    id_type: str | None = None
    type_field: str | None = None
    scope_field: str | None = None
    scope: str | None = None
    links_record: bool = True


@dataclass(frozen=True)
class FilePattern:
    """Files of one format under landing/<channel>/; `name_fields` reads field values from the file name
    (a regex with named groups), used when a record does not carry the field itself."""

    glob: str
    format: Format
    name_fields: str | None = None
    example: str = ""

    def values_from_name(self, file_name: str) -> dict[str, str]:
        if not self.name_fields:
            return {}
        match = re.match(self.name_fields, file_name)
        return {k: v for k, v in match.groupdict().items() if v} if match else {}


@dataclass(frozen=True)
class Entity:
    """A source table: channel folder, file patterns, fields and identifiers."""

    channel: str
    entity: str
    files: tuple[FilePattern, ...]
    fields: tuple[Field, ...]
    identifier_fields: tuple[IdentifierField, ...] = ()
    require_identifier: bool = True
    description: str = ""
    allowed_values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def table(self) -> str:
        return f"{self.channel}_{self.entity}"

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    def known_keys(self) -> set[str]:
        """Gives the top-level record keys the contract reads; any other key is schema drift."""
        return {path.split(".", 1)[0] for f in self.fields for path in f.paths}

    def name_field_names(self) -> set[str]:
        return {name for p in self.files for name in re.compile(p.name_fields or "").groupindex}

    def columns(self) -> list[tuple[str, str]]:
        """Gives (name, DuckDB type) of every raw column the contract defines, in table order."""
        cols = [(f.name, DUCKDB_TYPES[f.kind]) for f in self.fields]
        for ident in self.identifier_fields:
            cols += [(f"{ident.name}_normalized", "varchar"), (f"{ident.name}_problem", "varchar")]
        return cols + LINEAGE_COLUMNS


LINEAGE_COLUMNS = [
    ("_batch_id", "varchar"),
    ("_source_file", "varchar"),
    ("_source_line", "bigint"),
    ("_loaded_at", "timestamp"),
    ("_record_hash", "varchar"),
]


class RowRejected(ValueError):
    """A landed record that cannot be loaded; the message is the quarantine reason."""


def check_entity(entity: Entity) -> None:
    """Raises ValueError when a contract declaration is inconsistent (caught at import, by the tests)."""
    names = [f.name for f in entity.fields]
    if len(names) != len(set(names)):
        raise ValueError(f"{entity.table}: duplicate field names")
    for ident in entity.identifier_fields:
        if ident.name not in names:
            raise ValueError(f"{entity.table}: identifier {ident.name!r} is not a field")
        if (ident.id_type is None) == (ident.type_field is None):
            raise ValueError(f"{entity.table}: identifier {ident.name!r} needs id_type or type_field")
        if ident.id_type and ident.id_type not in ID_TYPES:
            raise ValueError(f"{entity.table}: unknown identifier type {ident.id_type!r}")
        for ref in (ident.type_field, ident.scope_field):
            if ref and ref not in names:
                raise ValueError(f"{entity.table}: {ident.name!r} refers to missing field {ref!r}")
    for name in entity.allowed_values:
        if name not in names:
            raise ValueError(f"{entity.table}: allowed values for missing field {name!r}")
    for name in entity.name_field_names():
        if name not in names:
            raise ValueError(f"{entity.table}: the file name carries {name!r}, which is not a field")
    for f in entity.fields:
        for path in f.paths:
            if not all(_KEY_RE.match(part) for part in path.split(".")):
                raise ValueError(f"{entity.table}: field {f.name!r} has an unusable source {path!r}")


def is_usable_key(key: str) -> bool:
    """Tells whether a record key can name a column (drift): no quotes, backslashes or control characters."""
    return bool(_KEY_RE.match(key))
