"""The landing contract applied in bulk, in DuckDB: the same rules as record_validation, one query per step.

Three steps over a chunk of landed records (readers' LANDED_SCHEMA):
1. `extract_sql`: parse each record once and take every field's text (first non-blank source), the flags that
   need the record (an object where text was expected), and the keys the contract does not know (drift).
2. The loader normalises the DISTINCT identifier texts (connectors.identifiers: the common shapes in SQL, the
   rest in Python) into a lookup table `_identifier_lookup(id_type, raw, value, problem)`.
3. `typed_sql`: the typed raw row and, for a rejected record, the first reason, in the contract's field order.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.identifiers import KEY_COLUMN, PLAIN_ID_TYPES, normalise_sql
from connectors.sources.contract import (
    EPOCH_PATTERN,
    KIND_RULES,
    MAX_EXACT_INTEGER,
    NUMBER_PATTERN,
    REASON_VALUE_CHARS,
    TIMESTAMP_PATTERN,
    Entity,
    Kind,
)
from connectors.sources.record_validation import _from_name
from connectors.sources.schema_drift import DriftColumn
from connectors.sql_text import ident, literal

INVALID_JSON = "\x00invalid json"
"""Placeholder reason the loader replaces with the parser's own message (which only Python gives)."""
JSON_TYPE_NAMES = "case {t} when 'ARRAY' then 'array' when 'VARCHAR' then 'string' when 'BOOLEAN' then 'boolean' when 'NULL' then 'null' else 'number' end"


def json_path(segments: list[str]) -> str:
    return literal("$" + "".join(f'."{s}"' for s in segments))


@dataclass(frozen=True)
class ValueSpec:
    """One raw column whose value comes from the record: a contract field or a drift column."""

    column: str
    label: str  # how reasons name it: the field name, or the record key of a drift column
    kind: Kind
    paths: tuple[tuple[str, ...], ...]
    required: bool = False
    file_value: bool = False
    allowed: tuple[str, ...] = ()
    missing_hint: str = ""


def value_specs(entity: Entity, drift: list[DriftColumn]) -> list[ValueSpec]:
    """Gives the value columns of an entity in the order the contract checks them."""
    names_from_file = entity.name_field_names()
    specs = [
        ValueSpec(
            column=f.name,
            label=f.name,
            kind=f.kind,
            paths=tuple(tuple(p.split(".")) for p in f.paths),
            required=f.required,
            file_value=f.name in names_from_file,
            allowed=entity.allowed_values.get(f.name, ()),
            missing_hint=_from_name(entity, f),
        )
        for f in entity.fields
    ]
    specs += [ValueSpec(c.column, c.key, c.kind, ((c.key,),)) for c in drift]
    return specs


def _text_col(spec: ValueSpec) -> str:
    return ident(f"t__{spec.column}")


def _flag_col(spec: ValueSpec) -> str:
    return ident(f"c__{spec.column}")


def extract_sql(entity: Entity, specs: list[ValueSpec], detect_drift: bool) -> str:
    """Gives the query that reads a chunk (relation `chunk`: _chunk_row, _source_file, _source_line, _raw_text,
    _parse_error, _record and _name_<field> per field read from file names) into field texts (the relation `_x`,
    keyed by _chunk_row like the chunk; it leaves out the text as landed).

    The record is parsed once for all text paths, once for the types of the JSON-valued paths and once for its
    keys; each path's trimmed text is computed once (`_p<n>`) and the fields pick from them.
    """
    text_paths: list[tuple[str, ...]] = []
    json_paths: list[tuple[str, ...]] = []
    for spec in specs:
        for path in spec.paths:
            if path not in text_paths:
                text_paths.append(path)
            if spec.kind == "json" and path not in json_paths:
                json_paths.append(path)
    known = sorted(entity.known_keys() | {p[0] for s in specs for p in s.paths})
    if detect_drift:  # every known top-level key is extracted, so counting them tells if a record has others
        text_paths += [(key,) for key in known if (key,) not in text_paths]
    text_list = ", ".join(json_path(list(p)) for p in text_paths) or "'$.__none__'"
    known_list = f"[{', '.join(literal(k) for k in known)}]::varchar[]"
    top_level = [text_paths.index((key,)) + 1 for key in known] if detect_drift else []
    lineage = ["_chunk_row", "_source_file", "_source_line", "_raw_text", "_parse_error", "_record"]
    lineage += [ident(f"_name_{spec.column}") for spec in specs if spec.file_value]
    # json_valid first: try() would drop DuckDB to row-at-a-time execution in every vector holding a bad line
    valid = "_parse_error is null and json_valid(_record)"
    parsed = lineage + [f"case when {valid} then json_extract_string(_record, [{text_list}]) end as _s"]
    if json_paths:
        json_list = ", ".join(json_path(list(p)) for p in json_paths)
        # their types, not their JSON (json_extract_string already gave an object's or array's text)
        parsed.append(f"case when {valid} then json_type(_record, [{json_list}]) end as _j")
    if detect_drift:
        parsed.append(f"case when {valid} then json_keys(_record) end as _keys")
    texts = lineage + ["_s"]
    # trim only values with a space at either end: most have none, and passing them through copies nothing
    texts += [
        f"nullif(case when prefix(_s[{n}], ' ') or suffix(_s[{n}], ' ') then trim(_s[{n}]) else _s[{n}] end, '')"
        f" as _p{n}"
        for n in range(1, len(text_paths) + 1)
    ]
    texts += [f"_j[{n}] as _q{n}" for n in range(1, len(json_paths) + 1)]
    if detect_drift:
        # more keys than known keys with a value: look closer (a key holding JSON null or repeated also lands here)
        present = " + ".join(f"(_s[{n}] is not null)::int" for n in top_level)
        texts.append(
            f"case when len(_keys) > {present} then "
            f"nullif(list_filter(_keys, lambda k: not list_contains({known_list}, k)), []) end as _new_keys"
        )
    # the text as landed stays in the chunk (Arrow views of the file): copying it doubled the cost of writing
    # _x, and only the few rejects need it, which take it back from there
    columns = [
        "_chunk_row",
        "_source_file",
        "_source_line",
        "md5(_raw_text) as _record_hash",
        f"""case
            when _parse_error is not null then _parse_error
            when _s is null then {literal(INVALID_JSON)}
            when not prefix(_record, '{{') and not regexp_matches(_record, '^[ \\t\\r\\n]*\\{{')
                then 'record is JSON ' || {JSON_TYPE_NAMES.format(t="json_type(_record)")} || ', expected an object'
        end as _record_error""",
    ]
    for spec in specs:
        columns += _spec_text_columns(spec, text_paths, json_paths)
    if detect_drift:
        columns += [
            "_new_keys",  # null when the record has no key outside the contract
            "case when _new_keys is not null then _record end as _record_if_new",
        ]
    return (
        f"with parsed as (select {', '.join(parsed)} from chunk), "
        f"texts as (select {', '.join(texts)} from parsed) "
        f"select {', '.join(columns)} from texts"
    )


def _spec_text_columns(
    spec: ValueSpec, text_paths: list[tuple[str, ...]], json_paths: list[tuple[str, ...]]
) -> list[str]:
    candidates: list[tuple[str, str]] = []  # (trimmed non-blank text, container flag) per source
    for path in spec.paths:
        text = f"_p{text_paths.index(path) + 1}"
        if spec.kind == "json":
            json_type = f"_q{json_paths.index(path) + 1}"
            flag = f"case when {json_type} in ('OBJECT', 'ARRAY') then {json_type} end"
        else:
            # only a text starting with { or [ can be an object or array: ask the record for those alone
            flag = (
                f"case when prefix({text}, '{{') or prefix({text}, '[') then "
                f"case json_type(_record, {json_path(list(path))}) "
                "when 'OBJECT' then 'OBJECT' when 'ARRAY' then 'ARRAY' end end"
            )
        candidates.append((text, flag))
    if spec.file_value:
        candidates.append((f"nullif(trim({ident('_name_' + spec.column)}), '')", "null"))
    text = f"coalesce({', '.join(t for t, _ in candidates)})" if len(candidates) > 1 else candidates[0][0]
    if len(candidates) > 1:
        whens = " ".join(f"when {t} is not null then {f}" for t, f in candidates)
        flag = f"case {whens} end"
    else:
        flag = candidates[0][1]
    return [f"{text} as {_text_col(spec)}", f"{flag} as {_flag_col(spec)}"]


def _value_col(spec: ValueSpec) -> str:
    return ident(f"v__{spec.column}")


def _typed(spec: ValueSpec) -> tuple[str, str]:
    """Gives (typed value expression over the text column, 'does not fit' condition over the typed value column
    `v__<column>`), so typed_sql casts each value once."""
    t, flag, v = _text_col(spec), _flag_col(spec), _value_col(spec)
    kind = spec.kind
    if kind == "json":
        return f"case when {flag} is not null then {t} end", f"{flag} is null"
    if kind == "string":
        return t, "false"
    if kind == "boolean":
        return f"case {t} when 'true' then true when 'false' then false end", f"{v} is null"
    if kind == "timestamp":
        value = (
            f"case when regexp_full_match({t}, {literal(TIMESTAMP_PATTERN)}) "
            f"then timezone('UTC', try_cast({t} as timestamptz)) end"
        )
        return value, f"{v} is null"
    if kind == "epoch_seconds":
        value = f"case when regexp_full_match({t}, {literal(EPOCH_PATTERN)}) then make_timestamp({t}::bigint * 1000000) end"
        return value, f"{v} is null"
    number = f"case when regexp_full_match({t}, {literal(NUMBER_PATTERN)}) then try_cast({t} as double) end"
    if kind == "number":
        return number, f"not coalesce(isfinite({v}), false)"
    fits = f"coalesce(isfinite({number}) and {number} = trunc({number}) and abs({number}) <= {MAX_EXACT_INTEGER}, false)"
    return f"case when {fits} then ({number})::bigint end", f"{v} is null"


def _quoted_sql(expr: str) -> str:
    return f"'''' || left({expr}, {REASON_VALUE_CHARS}) || ''''"


def spec_checks(spec: ValueSpec) -> list[tuple[str, str]]:
    """Gives (condition, reason expression) pairs for a spec, in the order record_validation checks them."""
    t, flag = _text_col(spec), _flag_col(spec)
    label = literal(f"'{spec.label}'")
    checks: list[tuple[str, str]] = []
    if spec.required:
        checks.append(
            (f"{t} is null", literal(f"required field '{spec.label}' is missing or empty{spec.missing_hint}"))
        )
    if spec.kind != "json":
        checks.append(
            (
                f"{t} is not null and {flag} is not null",
                f"'field ' || {label} || ' is ' || case {flag} when 'OBJECT' then 'an object' else 'an array' end"
                f" || ', expected {KIND_RULES[spec.kind]}'",
            )
        )
    _, misfit = _typed(spec)
    if misfit != "false":
        checks.append(
            (
                f"{t} is not null and ({misfit})",
                f"'field ' || {label} || ': ' || {_quoted_sql(t)} || ' is not {KIND_RULES[spec.kind]}'",
            )
        )
    if spec.allowed:
        values = ", ".join(literal(v) for v in spec.allowed)
        checks.append(
            (
                f"{t} is not null and {t} not in ({values})",
                f"'field ' || {label} || ': ' || {_quoted_sql(t)} || ' is not one of {', '.join(spec.allowed)}'",
            )
        )
    return checks


@dataclass(frozen=True)
class IdentifierSql:
    """The SQL of one identifier field: its normalised value, its problem, and the join that feeds them."""

    value: str
    problem: str
    join: str


def identifier_sql(entity: Entity) -> list[IdentifierSql]:
    """Gives, per identifier field, the lookup join and the value/problem expressions (see record_validation)."""
    out = []
    for n, idf in enumerate(entity.identifier_fields):
        alias = f"_id{n}"
        text = ident(f"t__{idf.name}")
        if idf.type_field:
            id_type = ident(f"t__{idf.type_field}")
            type_ok = f"{id_type} in (select id_type from _identifier_types)"
        else:
            id_type, type_ok = literal(idf.id_type), "true"
        if idf.id_type in PLAIN_ID_TYPES:
            # an opaque id's normal form is its text trimmed of spaces, which the text already is
            found, found_problem, join = text, "null", ""
        else:
            found, found_problem = f"{alias}.value", f"{alias}.problem"
            join = f"left join _identifier_lookup as {alias} on {alias}.id_type = {id_type} and {alias}.raw = {text}"
        scope = (
            literal(idf.scope) if idf.scope else (ident(f"t__{idf.scope_field}") if idf.scope_field else None)
        )
        scoped = f"{scope} || ':' || {found}" if scope else found
        if idf.type_field:
            scoped = f"{id_type} || ':' || {scoped}"
        missing_scope = f"{scope} is null" if idf.scope_field and not idf.scope else "false"
        type_problem = (
            f"case when {id_type} is null then {literal(f'{idf.name} has no {idf.type_field}')} "
            f"else {literal(f'{idf.type_field} ')} || {_quoted_sql(id_type)} || ' is not an identifier type' end"
        )
        value = (
            f"case when {text} is null or not ({type_ok}) or {found} is null or {missing_scope} then null "
            f"else {scoped} end"
        )
        problem = (
            f"case when {text} is null then null when not ({type_ok}) then {type_problem} "
            f"when {found} is null then {found_problem} "
            f"when {missing_scope} then {literal(f'{idf.name} has no {idf.scope_field} to scope it')} end"
        )
        out.append(IdentifierSql(value, problem, join))
    return out


def typed_sql(entity: Entity, specs: list[ValueSpec]) -> str:
    """Gives the query from `_x` (extract_sql's result) to typed raw columns plus `_reason` (null: accepted).

    Three steps, so each value is cast once and each identifier worked out once: the typed values and
    identifiers (`v__<column>`, `n__`/`p__<identifier>`), then the first reason, then the raw columns."""
    ids_sql = identifier_sql(entity)
    checks = ["when _record_error is not null then _record_error"]
    for spec in specs:
        checks += [f"when {cond} then {reason}" for cond, reason in spec_checks(spec)]
    normalized = {i.name: ident(f"n__{i.name}") for i in entity.identifier_fields}
    problem = {i.name: ident(f"p__{i.name}") for i in entity.identifier_fields}
    linking = [i for i in entity.identifier_fields if i.links_record]
    if entity.require_identifier and linking:
        names = ", ".join(i.name for i in linking)
        any_value = " or ".join(f"{normalized[i.name]} is not null" for i in linking)
        problems = f"concat_ws('; ', {', '.join(problem[i.name] for i in linking)})"
        checks.append(
            f"when not ({any_value}) then {literal(f'no usable identifier among {names}: ')} || "
            f"coalesce(nullif({problems}, ''), 'all identifier fields are empty')"
        )
    inner = ["_x.*"] + [f"{_typed(spec)[0]} as {_value_col(spec)}" for spec in specs]
    for idf, s in zip(entity.identifier_fields, ids_sql, strict=True):
        inner += [f"{s.value} as {normalized[idf.name]}", f"{s.problem} as {problem[idf.name]}"]
    joins = " ".join(s.join for s in ids_sql)
    columns = ["_chunk_row", "_source_file", "_source_line", "_record_hash", "_reason"]
    columns += [f"{_value_col(spec)} as {ident(spec.column)}" for spec in specs]
    for idf in entity.identifier_fields:
        columns += [
            f"{normalized[idf.name]} as {ident(idf.name + '_normalized')}",
            f"{problem[idf.name]} as {ident(idf.name + '_problem')}",
        ]
    return (
        f"with typed as (select {', '.join(inner)} from _x {joins}), "
        f"judged as (select *, case {' '.join(checks)} end as _reason from typed) "
        f"select {', '.join(columns)} from judged"
    )


def identifier_texts_sql(entity: Entity) -> str | None:
    """Gives the query for the distinct (id_type, text) pairs of a chunk, to normalise once each."""
    parts = []
    for idf in entity.identifier_fields:
        if idf.id_type in PLAIN_ID_TYPES:
            continue
        text = ident(f"t__{idf.name}")
        id_type = ident(f"t__{idf.type_field}") if idf.type_field else literal(idf.id_type)
        parts.append(f"select distinct {id_type} as id_type, {text} as raw from _x where {text} is not null")
    return " union ".join(parts) if parts else None


def identifier_lookup_sql(id_types: list[str]) -> tuple[str, str, str]:
    """Gives three queries: the texts of `_identifier_texts(id_type, raw)` with their keys (to be the relation
    `_identifier_keyed`), the (id_type, raw, value, problem) of the keyed texts SQL normalises, and the condition
    true for exactly those; the loader normalises the rest in Python."""
    sqls = {t: normalise_sql(t, "raw") for t in id_types}

    def by_type(part: str) -> str:
        whens = " ".join(f"when {literal(t)} then {getattr(s, part)}" for t, s in sqls.items())
        return f"case id_type {whens} end" if whens else "null"

    keyed = f"select id_type, raw, {by_type('key')}::varchar as {KEY_COLUMN} from _identifier_texts"
    handles = f"coalesce({by_type('handles')}, false)"
    query = (
        f"select id_type, raw, {by_type('value')}::varchar as value, {by_type('problem')}::varchar as problem "
        f"from _identifier_keyed where {handles}"
    )
    return keyed, query, handles
