"""The built-in light CRM: a `leads` table sales can work from, in any SQLAlchemy database (SQLite by default).

Yuchi owns the lead's profile and score columns; sales own `sales_status`, `owner` and `notes`, which a sync
never overwrites. Leads are keyed by contact_id, so a contact is in the CRM exactly once however often it syncs.
Segments synced in mirror mode appear as named lists in `lead_lists` (one row per list and lead).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from connectors.destinations.sync.destination import Destination, ErasureSubject
from connectors.destinations.sync.model import (
    Action,
    Change,
    InvalidRecord,
    Mode,
    Outcome,
    Status,
    TransientError,
)

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

lead_lists = sa.Table(
    "lead_lists",
    metadata,
    sa.Column("list_name", sa.String(200), primary_key=True),
    sa.Column("contact_id", sa.String(64), primary_key=True),
    sa.Column("added_at", sa.DateTime, nullable=False),
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
    incoming = {}
    for record in records:
        contact_id = record.get("contact_id")
        if not contact_id:
            raise ValueError(f"lead without contact_id cannot be synced: {dict(record)!r}")
        incoming[contact_id] = lead_row(record) | {"contact_id": contact_id}
    result = SyncResult(planned=len(incoming))
    with engine.begin() as conn:
        existing = existing_hashes(conn, incoming)
        _write_leads(conn, list(incoming.values()), existing)
    result.created = [cid for cid in incoming if cid not in existing]
    result.updated = [
        cid for cid, row in incoming.items() if cid in existing and existing[cid] != payload_hash(row)
    ]
    result.unchanged = result.planned - len(result.created) - len(result.updated)
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


def lead_row(profile: Mapping[str, Any]) -> dict[str, Any]:
    """Gives the synced columns of a lead from a contact profile (lists become '; '-joined text)."""
    row = {}
    for name in SYNCED_COLUMNS:
        value = _plain(profile.get(name))
        if isinstance(value, (list, tuple)):
            value = "; ".join(str(v) for v in value)
        row[name] = value
    return row


def existing_hashes(conn: sa.Connection, contact_ids: Iterable[str]) -> dict[str, str]:
    """Gives contact_id -> payload_hash of the leads already in the CRM among `contact_ids`."""
    ids = list(contact_ids)
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        query = sa.select(leads.c.contact_id, leads.c.payload_hash).where(leads.c.contact_id.in_(chunk))
        found.update(dict(conn.execute(query).all()))
    return found


class LightCrmLeads(Destination):
    """The built-in CRM as a sync destination: leads by contact_id, lists for mirror mode."""

    kind = "light_crm"
    modes = frozenset({Mode.UPSERT, Mode.UPDATE_ONLY, Mode.INSERT_ONLY, Mode.MIRROR, Mode.DELETE})
    resend_is_safe = True
    reads_back = True
    guarantee = (
        "exactly once: each batch is one database transaction keyed by contact_id; pending intents are "
        "read back from the leads table after a crash"
    )

    def __init__(
        self, url: str, name: str = "light_crm", mode: Mode | None = None, list_name: str | None = None
    ):
        self.url = url
        self.name = name
        self.mode = mode
        self.list_name = list_name
        if mode == Mode.MIRROR and not list_name:
            raise ValueError(f"{name}: mirror mode needs a list name")
        self.batch_size = 500
        self.engine = connect(url)

    def payload(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        if not profile.get("contact_id"):
            raise InvalidRecord("no contact_id")
        return lead_row(profile)

    def send(self, action: Action, changes: Sequence[Change]) -> list[Outcome]:
        try:
            with self.engine.begin() as conn:
                return self._apply(conn, action, changes)
        except sa.exc.OperationalError as exc:
            # the transaction rolled back: nothing was written, so a retry cannot duplicate
            raise TransientError(f"light CRM unavailable: {exc.orig}", ambiguous=False) from None

    def _apply(self, conn: sa.Connection, action: Action, changes: Sequence[Change]) -> list[Outcome]:
        ids = [c.record_key for c in changes]
        if action == Action.REMOVE:
            conn.execute(
                lead_lists.delete().where(
                    lead_lists.c.list_name == self.list_name, lead_lists.c.contact_id.in_(ids)
                )
            )
            return [Outcome(k, Status.DELIVERED, k) for k in ids]
        if action == Action.DELETE:
            conn.execute(lead_lists.delete().where(lead_lists.c.contact_id.in_(ids)))
            deleted = conn.execute(
                leads.delete().where(leads.c.contact_id.in_(ids)).returning(leads.c.contact_id)
            )
            gone = {r[0] for r in deleted}
            return [
                Outcome(k, Status.DELIVERED, k)
                if k in gone
                else Outcome(k, Status.SKIPPED, reason="not in the CRM")
                for k in ids
            ]
        existing = existing_hashes(conn, ids)
        if self.mode == Mode.INSERT_ONLY:
            chosen = [c for c in changes if c.record_key not in existing]
        elif self.mode == Mode.UPDATE_ONLY:
            chosen = [c for c in changes if c.record_key in existing]
        else:
            chosen = list(changes)
        _write_leads(conn, [c.payload | {"contact_id": c.record_key} for c in chosen], existing)
        if self.mode == Mode.MIRROR:
            _add_to_list(conn, self.list_name, [c.record_key for c in chosen])
        chosen_keys = {c.record_key for c in chosen}
        skip_reason = (
            "already in the CRM (insert-only)"
            if self.mode == Mode.INSERT_ONLY
            else "not in the CRM (update-only)"
        )
        return [
            Outcome(k, Status.DELIVERED, k)
            if k in chosen_keys
            else Outcome(k, Status.SKIPPED, k, skip_reason)
            for k in ids
        ]

    def read_back(self, changes: Sequence[Change]) -> dict[str, str | None] | None:
        with self.engine.connect() as conn:
            held = existing_hashes(conn, [c.record_key for c in changes])
            listed: set[str] = set()
            if self.mode == Mode.MIRROR:
                query = sa.select(lead_lists.c.contact_id).where(
                    lead_lists.c.list_name == self.list_name,
                    lead_lists.c.contact_id.in_([c.record_key for c in changes]),
                )
                listed = {r[0] for r in conn.execute(query)}
        return {
            c.record_key: c.record_key
            for c in changes
            if c.payload
            and held.get(c.record_key) == payload_hash(c.payload)
            and (self.mode != Mode.MIRROR or c.record_key in listed)
        }

    def erase(self, subject: ErasureSubject) -> str:
        conditions = []
        if subject.contact_id:
            conditions.append(leads.c.contact_id == subject.contact_id)
        if subject.emails:
            conditions.append(leads.c.email.in_(subject.emails))
        if subject.phones:
            conditions.append(leads.c.phone.in_(subject.phones))
        if not conditions:
            return "light CRM: nothing to match the person by"
        with self.engine.begin() as conn:
            ids = [r[0] for r in conn.execute(sa.select(leads.c.contact_id).where(sa.or_(*conditions)))]
            if ids:
                conn.execute(lead_lists.delete().where(lead_lists.c.contact_id.in_(ids)))
                conn.execute(leads.delete().where(leads.c.contact_id.in_(ids)))
        return f"light CRM deleted {len(ids)} lead(s) and their list memberships"

    def close(self) -> None:
        self.engine.dispose()


def _write_leads(conn: sa.Connection, rows: Sequence[Mapping[str, Any]], existing: Mapping[str, str]) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    inserts, updates = [], []
    for record in rows:
        row = {k: record.get(k) for k in SYNCED_COLUMNS}
        hashed = payload_hash(row)
        if record["contact_id"] not in existing:
            inserts.append(
                row
                | {
                    "contact_id": record["contact_id"],
                    "payload_hash": hashed,
                    "first_synced_at": now,
                    "last_synced_at": now,
                }
            )
        elif existing[record["contact_id"]] != hashed:
            updates.append(
                row | {"payload_hash": hashed, "last_synced_at": now, "b_contact_id": record["contact_id"]}
            )
    if inserts:
        conn.execute(leads.insert(), inserts)
    if updates:
        values = {name: sa.bindparam(name) for name in (*SYNCED_COLUMNS, "payload_hash", "last_synced_at")}
        conn.execute(
            leads.update().where(leads.c.contact_id == sa.bindparam("b_contact_id")).values(values), updates
        )


def _add_to_list(conn: sa.Connection, list_name: str, contact_ids: Sequence[str]) -> None:
    if not contact_ids:
        return
    present = {
        r[0]
        for r in conn.execute(
            sa.select(lead_lists.c.contact_id).where(
                lead_lists.c.list_name == list_name, lead_lists.c.contact_id.in_(contact_ids)
            )
        )
    }
    now = datetime.now(UTC).replace(tzinfo=None)
    new = [
        {"list_name": list_name, "contact_id": k, "added_at": now} for k in contact_ids if k not in present
    ]
    if new:
        conn.execute(lead_lists.insert(), new)
