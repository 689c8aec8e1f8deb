"""How demo records go wrong the way real exports do; the loader must quarantine every one of them."""

from __future__ import annotations

import random
from typing import Any

from connectors.demo.channels import Emitted
from connectors.sources import ENTITIES_BY_TABLE
from connectors.sources.contract import Entity, Field

INVALID_IDENTIFIERS = {
    "phone": "12345",
    "email": "not-an-email",
    "wechat_openid": "null",
    "wechat_unionid": "?",
}


def _path(payload: dict, f: Field) -> list[str]:
    """Gives where a field sits in this payload: the first of its sources that is present (CSV headers match
    trimmed and lower-cased, as the reader matches them)."""
    headers = {key.strip().lower(): key for key in payload}
    for path in f.paths:
        if path in headers:
            return [headers[path]]
        parts, node = path.split("."), payload
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and parts[-1] in node:
            return parts
    return f.paths[0].split(".")


def _set(payload: dict, parts: list[str], value: Any) -> None:
    node = payload
    for part in parts[:-1]:
        node = node.setdefault(part, {}) if isinstance(node, dict) else {}
    if isinstance(node, dict):
        node[parts[-1]] = value


def _present(payload: dict, f: Field) -> bool:
    parts, node = _path(payload, f), payload
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return node not in (None, "")


def break_record(record: Emitted, rng: random.Random) -> None:
    """Corrupts one record: a bad timestamp, an emptied required field, unusable identifiers, or broken syntax
    (a cut JSON line, a stray CSV cell, an unclosed XML element)."""
    entity: Entity = ENTITIES_BY_TABLE[record.table]
    payload = record.payload
    times = [f for f in entity.fields if f.kind in ("timestamp", "epoch_seconds") and f.required]
    required = [f for f in entity.fields if f.required and f not in times and _present(payload, f)]
    choices = ["identifier", "syntax"] + (["timestamp"] if times else []) + (["required"] if required else [])
    choice = rng.choice(choices)
    if choice == "timestamp":
        _set(payload, _path(payload, times[0]), rng.choice(["yesterday", "2026-13-45 25:00", "下午三点"]))
    elif choice == "required":
        _set(payload, _path(payload, rng.choice(required)), "")
    elif choice == "identifier":
        linking = [i for i in entity.identifier_fields if i.links_record]
        for ident in linking:
            _set(payload, _path(payload, entity.field(ident.name)), None)
        first = linking[0]
        bad = INVALID_IDENTIFIERS.get(first.id_type or "")
        field = entity.field(first.name)
        if bad:
            _set(payload, _path(payload, field), bad)
        elif field.required:
            _set(payload, _path(payload, field), "")  # a required id (crm_id) emptied: nothing keys the row
    record.invalid_reason = choice
