"""The landing contract applied to one record: the executable specification of what is accepted.

The collector calls `conform` to answer a sender at once; the loader applies the same rules in bulk
(`sql_validation`) and tests hold the two to the same decisions. A field's text is what DuckDB's
json_extract_string gives for it: strings as they are, numbers and true/false as their JSON text.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from connectors import identifiers as ids
from connectors.sources.contract import (
    EPOCH_PATTERN,
    KIND_RULES,
    MAX_EXACT_INTEGER,
    NUMBER_PATTERN,
    REASON_VALUE_CHARS,
    TIMESTAMP_PATTERN,
    Entity,
    Field,
    IdentifierField,
    RowRejected,
    is_usable_key,
)
from connectors.sources.schema_drift import DriftColumn

_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)
_EPOCH = re.compile(EPOCH_PATTERN)
_NUMBER = re.compile(NUMBER_PATTERN)
_INTEGER_TEXT = re.compile(r"-?[0-9]+")


class JsonNumber(str):
    """A JSON number kept as the text it was written with, so it can be rendered as DuckDB renders it."""


def _first_wins(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, value in pairs:
        record.setdefault(key, value)
    return record


def _check_text(value: Any) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # an unpaired surrogate (\ud800) is not text
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


def parse_json(text: str) -> Any:
    """Gives the JSON value of `text` as the loader reads it: duplicate keys keep their first value, numbers
    keep their written text; raises ValueError with the parser's message when it is not JSON."""
    value = json.loads(
        text,
        object_pairs_hook=_first_wins,
        parse_int=JsonNumber,
        parse_float=JsonNumber,
        parse_constant=JsonNumber,
    )
    try:
        _check_text(value)
    except UnicodeEncodeError:
        raise ValueError("a string holds an unpaired UTF-16 surrogate (\\ud800-\\udfff)") from None
    return value


def parse_line(text: str) -> tuple[Any, str | None]:
    """Gives (record, None) for a JSON line, or (None, the reason a person can act on)."""
    try:
        return parse_json(text), None
    except ValueError as exc:
        where = f" (column {exc.colno})" if hasattr(exc, "colno") else ""
        return None, f"line is not valid JSON: {getattr(exc, 'msg', str(exc))}{where}"


def number_text(text: str) -> str:
    """Gives a JSON number as DuckDB's json_extract_string writes it: integers as written (-0 as 0), other
    numbers in shortest form, in plain notation for 1e-6 <= |x| < 1e21 and as 1e21 or 2.5e-10 otherwise."""
    if _INTEGER_TEXT.fullmatch(text):
        return "0" if text == "-0" else text
    if text in ("NaN", "Infinity", "-Infinity"):
        return text
    x = float(text)
    if math.isinf(x):
        return text  # too large for a double: DuckDB keeps the text as written
    if x == 0:
        return "-0.0" if math.copysign(1.0, x) < 0 else "0.0"
    sign, digits, exponent = Decimal(repr(x)).as_tuple()
    digits_text = "".join(map(str, digits)).rstrip("0") or "0"
    exponent += len(digits) - len(digits_text)
    point = len(digits_text) + exponent  # x = 0.<digits> * 10**point
    prefix = "-" if sign else ""
    if 1e-6 <= abs(x) < 1e21:
        if exponent >= 0:
            return f"{prefix}{digits_text}{'0' * exponent}.0"
        if point > 0:
            return f"{prefix}{digits_text[:point]}.{digits_text[point:]}"
        return f"{prefix}0.{'0' * -point}{digits_text}"
    mantissa = digits_text[0] + (f".{digits_text[1:]}" if len(digits_text) > 1 else "")
    return f"{prefix}{mantissa}e{point - 1}"


def _json_compact(value: Any) -> str:
    if isinstance(value, JsonNumber):
        return number_text(value)
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_json_compact(v)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(_json_compact(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def value_text(value: Any) -> str | None:
    """Gives the text of a JSON value as json_extract_string does (None for a missing value or JSON null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, JsonNumber):
        return number_text(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return number_text(json.dumps(value))
    return _json_compact(value)


def json_type_name(value: Any) -> str:
    """Gives the JSON name of a parsed value's type (object, array, string, number, boolean, null)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "string" if type(value) is str else "number"


def lookup(record: dict[str, Any], path: str) -> Any:
    """Gives the value at a dotted path of a record, or None when any step is missing or not an object."""
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _quoted(text: str) -> str:
    return f"'{text[:REASON_VALUE_CHARS]}'"


def _blank(text: str | None) -> bool:
    return text is None or text.strip(" ") == ""


def coerce(name: str, kind: str, raw: Any, text: str) -> Any:
    """Gives the typed value of a non-blank field, or raises RowRejected saying why it does not fit."""
    value = text.strip(" ")
    if kind == "json":
        if isinstance(raw, (dict, list)):
            return _json_compact(raw)
    elif isinstance(raw, (dict, list)):
        shape = "an object" if isinstance(raw, dict) else "an array"
        raise RowRejected(f"field '{name}' is {shape}, expected {KIND_RULES[kind]}")
    elif kind == "string":
        return value
    elif kind == "timestamp" and _TIMESTAMP.fullmatch(value):
        try:
            parsed = datetime.fromisoformat(value.replace(" ", "T", 1))
        except ValueError:
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is not None:
                parsed = parsed.astimezone(UTC).replace(tzinfo=None)
            return parsed
    elif kind == "epoch_seconds" and _EPOCH.fullmatch(value):
        return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None)
    elif kind in ("number", "integer") and _NUMBER.fullmatch(value):
        number = float(value)
        if kind == "number" and math.isfinite(number):
            return number
        if kind == "integer" and number.is_integer() and abs(number) <= MAX_EXACT_INTEGER:
            return int(number)
    elif kind == "boolean" and value in ("true", "false"):
        return value == "true"
    raise RowRejected(f"field '{name}': {_quoted(value)} is not {KIND_RULES[kind]}")


def field_value(f: Field, record: dict[str, Any], file_values: dict[str, str]) -> tuple[Any, str | None]:
    """Gives (raw value, text) of a field: its first non-blank source, else the value from the file name."""
    for path in f.paths:
        raw = lookup(record, path)
        text = value_text(raw)
        if not _blank(text):
            return raw, text
    text = file_values.get(f.name)
    return (text, text) if not _blank(text) else (None, None)


def normalise_identifier(id_type: str, text: str | None) -> ids.Normalised:
    """Gives the normalised identifier of a field's text (the one normaliser of connectors.identifiers)."""
    return ids.normalise(id_type, text)


def _identifier(ident: IdentifierField, row: dict[str, Any]) -> ids.Normalised:
    text = row.get(ident.name)
    if text is None:
        return ids.MISSING
    id_type = ident.id_type
    if ident.type_field:
        id_type = row.get(ident.type_field)
        if id_type is None:
            return ids.Normalised(None, f"{ident.name} has no {ident.type_field}")
        if id_type not in ids.ID_TYPES:
            return ids.Normalised(None, f"{ident.type_field} {_quoted(id_type)} is not an identifier type")
    result = normalise_identifier(id_type, text)
    if result.value is None:
        return result
    scope = ident.scope or (row.get(ident.scope_field) if ident.scope_field else None)
    if ident.scope_field and not ident.scope and not scope:
        return ids.Normalised(None, f"{ident.name} has no {ident.scope_field} to scope it")
    value = f"{scope}:{result.value}" if scope else result.value
    return ids.Normalised(f"{id_type}:{value}" if ident.type_field else value)


def conform(
    entity: Entity,
    record: Any,
    file_values: dict[str, str] | None = None,
    drift: list[DriftColumn] | None = None,
) -> dict[str, Any]:
    """Gives the raw row (contract fields, drift columns, normalised identifiers) for one parsed record, or
    raises RowRejected with the first thing wrong, in field order."""
    if not isinstance(record, dict):
        raise RowRejected(f"record is JSON {json_type_name(record)}, expected an object")
    file_values = file_values or {}
    if drift is not None:
        _check_unknown_keys(entity, record, drift)
    row: dict[str, Any] = {}
    for f in entity.fields:
        raw, text = field_value(f, record, file_values)
        if text is None:
            if f.required:
                raise RowRejected(f"required field '{f.name}' is missing or empty{_from_name(entity, f)}")
            row[f.name] = None
            continue
        row[f.name] = coerce(f.name, f.kind, raw, text)
        allowed = entity.allowed_values.get(f.name)
        if allowed and row[f.name] not in allowed:
            raise RowRejected(f"field '{f.name}': {_quoted(row[f.name])} is not one of {', '.join(allowed)}")
    for column in drift or []:
        raw = record.get(column.key)
        text = value_text(raw)
        row[column.column] = None if _blank(text) else coerce(column.key, column.kind, raw, text)
    usable, problems = 0, []
    for ident in entity.identifier_fields:
        result = _identifier(ident, row)
        row[f"{ident.name}_normalized"] = result.value
        row[f"{ident.name}_problem"] = result.problem
        if ident.links_record:
            usable += result.value is not None
            problems += [result.problem] if result.problem else []
    linking = [i.name for i in entity.identifier_fields if i.links_record]
    if entity.require_identifier and linking and not usable:
        detail = "; ".join(problems) if problems else "all identifier fields are empty"
        raise RowRejected(f"no usable identifier among {', '.join(linking)}: {detail}")
    return row


def refused_key_reason(key: str) -> str:
    """Gives the quarantine reason for a record key that could not become a drift column."""
    why = (
        "its name has quotes, backslashes or control characters"
        if not is_usable_key(key)
        else "the table already has the most drift columns allowed"
    )
    return f"field {_quoted(key)} is not in the contract and cannot become a column: {why}"


def _check_unknown_keys(entity: Entity, record: dict[str, Any], drift: list[DriftColumn]) -> None:
    known = entity.known_keys() | {c.key for c in drift}
    unknown = sorted(k for k in record if k not in known)
    if unknown:
        raise RowRejected(refused_key_reason(unknown[0]))


def _from_name(entity: Entity, f: Field) -> str:
    patterns = [p for p in entity.files if p.name_fields and f.name in re.compile(p.name_fields).groupindex]
    return f" (for {patterns[0].glob} files it comes from the file name)" if patterns else ""
