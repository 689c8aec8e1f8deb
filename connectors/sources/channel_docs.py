"""Renders docs/channels.md from the landing contracts, so the documented contract is the enforced one.

`python -m connectors.sources.channel_docs > docs/channels.md`; a test fails when the two drift apart.
"""

from __future__ import annotations

from connectors.sources import CHANNEL_MODULES

HEADER = """# Landing contract

Files for each channel go under `$YUCHI_HOME/landing/<channel>/`. Each file is loaded once (by content hash), in
one transaction; every record becomes one row of `raw.<channel>_<entity>` or, if it breaks the contract, one row of
`quarantine.<channel>_<entity>` with the raw payload, the file, the line and the reason. Nothing is dropped.

Formats: `.jsonl` is one JSON object per line (UTF-8); `.csv` is UTF-8 (a BOM is accepted) with a header row.
Timestamps are ISO 8601; with no offset they are taken as UTC, and they are stored in UTC. `epoch_seconds` is an
integer count of seconds since 1970-01-01 UTC. A field not in the contract is kept in the `_extra` column as JSON.

Identifiers are normalised once, in `connectors/identifiers.py`: phones to E.164 (China by default: `+86 138 0013
8000`, `0086-13800138000` and `138-0013-8000` are all `+8613800138000`), emails trimmed and lower-cased, OpenIDs
scoped by their official account as `<app_id>:<openid>`. Each identifier field `x` gets `x_normalized` and, when
the value is present but unusable, `x_problem`. A record with no usable identifier is quarantined.

Every raw row also has `_batch_id`, `_source_file`, `_source_line`, `_loaded_at` and `_record_hash` (SHA-256 of
the record as landed).
"""


def render() -> str:
    """Gives the Markdown of every channel's contract."""
    parts = [HEADER]
    for channel, module in CHANNEL_MODULES.items():
        parts.append(f"\n## {channel}\n\n{(module.__doc__ or '').strip()}\n")
        for entity in module.ENTITIES:
            parts.append(
                f"\n### raw.{entity.table}\n\n{entity.description}\n\n"
                f"Files: `landing/{entity.channel}/{entity.file_glob}`\n\n"
                "| field | type | required | notes |\n|---|---|---|---|"
            )
            for f in entity.fields:
                allowed = entity.allowed_values.get(f.name)
                notes = f.description + (f" One of: {', '.join(allowed)}." if allowed else "")
                parts.append(f"| `{f.name}` | {f.kind} | {'yes' if f.required else ''} | {notes.strip()} |")
            idents = ", ".join(
                f"`{i.name}` ({i.id_type}{', scoped by ' + i.scope_field if i.scope_field else ''})"
                for i in entity.identifier_fields
            )
            parts.append(f"\nIdentifiers: {idents}; at least one must be usable.\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
