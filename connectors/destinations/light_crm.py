"""The built-in light CRM: a `leads` table sales can work from, in any SQLAlchemy database (SQLite by default).

Yuchi owns the lead's profile and score columns; sales own `sales_status`, `owner` and `notes`, which a sync
never overwrites. Leads are keyed by contact_id, so a contact is in the CRM exactly once however often it syncs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()

SYNCED_COLUMNS = (
    "full_name",
    "email",
    "phone",
    "company",
    "title",
    "city",
    "lifecycle_stage",
    "total_score",
    "fit_points",
    "engagement_points",
    "predicted_probability",
    "score_explanation",
    "top_factors",
)

leads = sa.Table(
    "leads",
    metadata,
    sa.Column("contact_id", sa.String(64), primary_key=True),
    *(
        sa.Column(name, sa.Float if name.endswith(("score", "points", "probability")) else sa.Text)
        for name in SYNCED_COLUMNS
    ),
    sa.Column("payload_hash", sa.String(64), nullable=False),
    sa.Column("sales_status", sa.String(32), nullable=False, server_default="new"),
    sa.Column("owner", sa.Text),
    sa.Column("notes", sa.Text),
    sa.Column("first_synced_at", sa.DateTime, nullable=False),
    sa.Column("last_synced_at", sa.DateTime, nullable=False),
)


@dataclass
class SyncResult:
    """What one sync did to the CRM."""

    planned: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def payload_hash(record: Mapping[str, Any]) -> str:
    """Gives a stable hash of the synced fields, so unchanged leads are not written again."""
    canonical = json.dumps({k: record.get(k) for k in SYNCED_COLUMNS}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def connect(url: str) -> sa.Engine:
    """Gives an engine for the CRM database, creating the leads table if it is new."""
    engine = sa.create_engine(url, future=True)
    metadata.create_all(engine)
    return engine


def upsert_leads(engine: sa.Engine, records: Iterable[Mapping[str, Any]]) -> SyncResult:
    """Creates new leads and updates changed ones by contact_id, in one transaction; gives what changed."""
    now = datetime.now(UTC).replace(tzinfo=None)
    incoming = {}
    for record in records:
        contact_id = record.get("contact_id")
        if not contact_id:
            raise ValueError(f"lead without contact_id cannot be synced: {dict(record)!r}")
        row = {k: _plain(record.get(k)) for k in SYNCED_COLUMNS}
        incoming[contact_id] = row | {"contact_id": contact_id, "payload_hash": payload_hash(row)}
    result = SyncResult(planned=len(incoming))
    with engine.begin() as conn:
        existing = {}
        ids = list(incoming)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            query = sa.select(leads.c.contact_id, leads.c.payload_hash).where(leads.c.contact_id.in_(chunk))
            existing.update(dict(conn.execute(query).all()))
        inserts = [
            row | {"first_synced_at": now, "last_synced_at": now}
            for cid, row in incoming.items()
            if cid not in existing
        ]
        updates = [
            row | {"last_synced_at": now, "b_contact_id": cid}
            for cid, row in incoming.items()
            if cid in existing and existing[cid] != row["payload_hash"]
        ]
        if inserts:
            conn.execute(leads.insert(), inserts)
        if updates:
            values = {
                name: sa.bindparam(name) for name in (*SYNCED_COLUMNS, "payload_hash", "last_synced_at")
            }
            statement = (
                leads.update().where(leads.c.contact_id == sa.bindparam("b_contact_id")).values(values)
            )
            conn.execute(statement, [{k: v for k, v in u.items() if k != "contact_id"} for u in updates])
    result.created = [r["contact_id"] for r in inserts]
    result.updated = [u["contact_id"] for u in updates]
    result.unchanged = result.planned - len(inserts) - len(updates)
    return result


def _plain(value: Any) -> Any:
    """Gives a value SQLAlchemy can bind: numpy scalars and pandas NA become Python values or None."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
