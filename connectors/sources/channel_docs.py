"""Renders docs/channels.md from the landing contracts, so the documented contract is the enforced one.

`python -m connectors.sources.channel_docs > docs/channels.md`; a test fails when the two drift apart.
"""

from __future__ import annotations

import re

from connectors.sources import CHANNEL_MODULES
from connectors.sources.contract import KIND_RULES, Entity

HEADER = (
    """# Landing contract

Files for each channel go under `$YUCHI_HOME/landing/<channel>/`. Each file is loaded once (by content hash; a
file copied under another name is not loaded again), in batches that commit all or nothing; a JSON Lines or
WeChat push file that grew by appending loads only its new records. Every record becomes one row of
`raw.<channel>_<entity>` or, if it breaks the contract, one row of `quarantine.<channel>_<entity>` with the raw
payload, the file, the line and the reason. Nothing is dropped; `raw._file_loads` logs every file and the
`row_accounting` asset check proves it.

Formats:
- `jsonl`: one JSON object per line, UTF-8, lines ending in LF (a CR before it is dropped); blank lines are not
  records. DuckDB parses it, so trailing commas and NaN are tolerated. Duplicate keys keep their first value.
- `csv`: UTF-8 (a BOM is accepted) with a header row; headers match a field's accepted names trimmed and
  lower-cased. A row with a different number of cells than the header is quarantined.
- `xlsx`: the first worksheet; its first non-empty row is the header (matched as for CSV); whole numbers are
  read without a decimal point (a phone stored as a number stays a phone), dates as ISO 8601.
- `wechat_xml`: `<xml>...</xml>` documents one after another, each followed by a newline, exactly as WeChat
  pushed them (after the collector checked the signature). The record is the document's child elements.

Field types:
"""
    + "\n".join(f"- `{kind}`: {rule}." for kind, rule in KIND_RULES.items())
    + """

A field's value is its first non-blank source (blank: missing, JSON null, or only spaces), trimmed of spaces.
Timestamps without an offset are taken as UTC; all are stored in UTC. A field marked "file name" comes from the
file's name when the record does not carry it.

Schema drift: a record key no field reads becomes a new column of the raw table (its type from the key's first
value: text, whole number, number, boolean, or JSON for objects and arrays), logged in `raw._schema_changes` and
reported in the load's metadata. A later value of another type is a type conflict: that record is quarantined.
At most 64 columns are added per table; a key with quotes, backslashes or control characters in its name cannot
become a column, and its records are quarantined.

Identifiers are normalised once, in `connectors/identifiers.py`: phones to E.164 (China by default: `+86 138 0013
8000`, `0086-13800138000` and `138-0013-8000` are all `+8613800138000`), emails trimmed and lower-cased, OpenIDs
scoped by their official account as `<app_id>:<openid>`, list ids by their list as `<list_id>:<id>`, web user ids
as `site:<userId>`. Each identifier field `x` gets `x_normalized` and, when the value is present but unusable,
`x_problem`. A record with no usable identifier (of its own: a sharer's id does not count) is quarantined.

Every raw row also has `_batch_id`, `_source_file`, `_source_line`, `_loaded_at` and `_record_hash` (MD5 of the
record as landed: the line, the CSV row, the XML document).
"""
)


def _files(entity: Entity) -> str:
    lines = []
    for pattern in entity.files:
        name_fields = ", ".join(f"`{n}`" for n in re.compile(pattern.name_fields or "").groupindex)
        from_name = f"; the file name gives {name_fields}" if name_fields else ""
        example = f", e.g. `{pattern.example}`" if pattern.example else ""
        lines.append(f"- `landing/{entity.channel}/{pattern.glob}` ({pattern.format}{example}{from_name})")
    return "\n".join(lines)


def _identifier(ident) -> str:
    kind = ident.id_type or f"the type named by `{ident.type_field}`"
    scope = (
        f", scoped by `{ident.scope_field}`"
        if ident.scope_field
        else (f", scoped as `{ident.scope}:`" if ident.scope else "")
    )
    other = "; someone else's: it never links the record" if not ident.links_record else ""
    return f"`{ident.name}` ({kind}{scope}{other})"


def render() -> str:
    """Gives the Markdown of every channel's contract."""
    parts = [HEADER]
    for channel, module in CHANNEL_MODULES.items():
        parts.append(f"\n## {channel}\n\n{(module.__doc__ or '').strip()}\n")
        for entity in module.ENTITIES:
            from_name = entity.name_field_names()
            parts.append(
                f"\n### raw.{entity.table}\n\n{entity.description}\n\nFiles:\n{_files(entity)}\n\n"
                "| field | type | required | read from | notes |\n|---|---|---|---|---|"
            )
            for f in entity.fields:
                allowed = entity.allowed_values.get(f.name)
                notes = f.description + (f" One of: {', '.join(allowed)}." if allowed else "")
                sources = ", ".join(f"`{s}`" for s in f.paths) + (
                    ", file name" if f.name in from_name else ""
                )
                required = "yes" if f.required else ""
                parts.append(f"| `{f.name}` | {f.kind} | {required} | {sources} | {notes.strip()} |")
            idents = ", ".join(_identifier(i) for i in entity.identifier_fields)
            parts.append(f"\nIdentifiers: {idents}; at least one of the record's own must be usable.\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
