"""The landing contract: what each channel's files look like and how a row becomes a raw row.

One `Entity` per source table. A landed record either becomes one row of raw.<channel>_<entity>, with its
identifiers normalised once (connectors.identifiers), or one row of quarantine.<channel>_<entity> with a reason a
person can act on. Nothing is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from connectors import identifiers as ids

Kind = Literal["string", "timestamp", "epoch_seconds", "integer", "number"]

DUCKDB_TYPES = {
    "string": "varchar",
    "timestamp": "timestamp",
    "epoch_seconds": "timestamp",
    "integer": "bigint",
    "number": "double",
}


@dataclass(frozen=True)
class Field:
    """One column of a landed record."""

    name: str
    kind: Kind = "string"
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class IdentifierField:
    """A column that carries an identifier; `scope_field` scopes it (an OpenID by its official-account app id)."""

    name: str
    id_type: str
    scope_field: str | None = None


@dataclass(frozen=True)
class Entity:
    """A source table: channel folder, file glob, fields and identifiers."""

    channel: str
    entity: str
    file_glob: str
    fields: tuple[Field, ...]
    identifier_fields: tuple[IdentifierField, ...] = ()
    require_identifier: bool = True
    description: str = ""
    allowed_values: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def table(self) -> str:
        return f"{self.channel}_{self.entity}"

    def columns(self) -> list[tuple[str, str]]:
        """Gives (name, DuckDB type) of every raw column, in table order."""
        cols = [(f.name, DUCKDB_TYPES[f.kind]) for f in self.fields]
        for ident in self.identifier_fields:
            cols += [(f"{ident.name}_normalized", "varchar"), (f"{ident.name}_problem", "varchar")]
        cols += [
            ("_extra", "varchar"),
            ("_batch_id", "varchar"),
            ("_source_file", "varchar"),
            ("_source_line", "bigint"),
            ("_loaded_at", "timestamp"),
            ("_record_hash", "varchar"),
        ]
        return cols


class RowRejected(ValueError):
    """A landed record that cannot be loaded; the message is the quarantine reason."""


def parse_timestamp(raw: Any) -> datetime:
    """Gives a naive UTC datetime from ISO 8601 text (offset-aware or UTC); raises ValueError otherwise."""
    text = str(raw).strip().replace(" ", "T", 1) if " " in str(raw).strip()[:11] else str(raw).strip()
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _coerce(f: Field, raw: Any) -> Any:
    if f.kind == "string":
        return str(raw).strip()
    if f.kind == "timestamp":
        return parse_timestamp(raw)
    if f.kind == "epoch_seconds":
        return datetime.fromtimestamp(int(str(raw).strip()), UTC).replace(tzinfo=None)
    if f.kind == "integer":
        number = float(str(raw).strip())
        if number != int(number):
            raise ValueError("has a fraction")
        return int(number)
    return float(str(raw).strip())


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


_NORMALISERS = {
    "phone": ids.normalize_phone,
    "email": ids.normalize_email,
    "wechat_openid": lambda v: ids.normalize_wechat_id(v, "wechat_openid"),
    "wechat_unionid": lambda v: ids.normalize_wechat_id(v, "wechat_unionid"),
}


def conform(entity: Entity, record: dict[str, Any]) -> dict[str, Any]:
    """Gives the raw row for one landed record, or raises RowRejected saying which field is wrong and why."""
    if not isinstance(record, dict):
        raise RowRejected(f"record is a {type(record).__name__}, expected an object with fields")
    row: dict[str, Any] = {}
    for f in entity.fields:
        raw = record.get(f.name)
        if _blank(raw):
            if f.required:
                raise RowRejected(f"required field {f.name!r} is missing or empty")
            row[f.name] = None
            continue
        try:
            row[f.name] = _coerce(f, raw)
        except (ValueError, TypeError, OverflowError, OSError) as exc:
            raise RowRejected(f"field {f.name!r}: {raw!r} is not a valid {f.kind} ({exc})") from None
        allowed = entity.allowed_values.get(f.name)
        if allowed and row[f.name] not in allowed:
            raise RowRejected(f"field {f.name!r}: {raw!r} is not one of {', '.join(allowed)}")
    usable = 0
    for ident in entity.identifier_fields:
        normalise = _NORMALISERS.get(ident.id_type, ids.normalize_plain_id)
        result = normalise(record.get(ident.name))
        value = result.value
        if value is not None and ident.scope_field:
            scope = row.get(ident.scope_field)
            if not scope:
                result, value = (
                    ids.Normalised(None, f"{ident.name} has no {ident.scope_field} to scope it"),
                    None,
                )
            else:
                value = ids.scoped_openid(scope, value)
        row[f"{ident.name}_normalized"] = value
        row[f"{ident.name}_problem"] = result.problem
        usable += value is not None
    if entity.require_identifier and entity.identifier_fields and not usable:
        problems = [row[f"{i.name}_problem"] for i in entity.identifier_fields if row[f"{i.name}_problem"]]
        detail = "; ".join(problems) if problems else "all identifier fields are empty"
        names = ", ".join(i.name for i in entity.identifier_fields)
        raise RowRejected(f"no usable identifier among {names}: {detail}")
    return row
