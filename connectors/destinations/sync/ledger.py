"""The activation tables in the warehouse: the ledger, the synced state, failed records and the run log.

Every change is written to the ledger as `pending` (the intent) before it is sent, and its outcome is written
after the destination answers, together with the synced state, in one transaction. A run killed between the
two leaves `pending` intents that the next run reconciles before it plans anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pandas as pd

from connectors.destinations.sync.model import Action, Change, Outcome, Status, canonical_json
from connectors.destinations.sync.planner import SyncedState

DDL = (
    "create schema if not exists activation",
    """
    create table if not exists activation.sync_ledger (
        idempotency_key varchar primary key,
        sync_key varchar not null,
        destination varchar not null,
        record_key varchar not null,
        action varchar not null,
        payload_hash varchar not null,
        status varchar not null,
        external_id varchar,
        reason varchar,
        http_status integer,
        run_id varchar,
        intended_at timestamp,
        acknowledged_at timestamp,
        pending_payload varchar  -- kept only until the answer is recorded: needed to read back after a crash
    )
    """,
    """
    create table if not exists activation.sync_state (
        sync_key varchar not null,
        record_key varchar not null,
        payload_hash varchar,
        external_id varchar,
        present boolean not null,
        sequence integer not null,
        last_status varchar not null,
        updated_at timestamp not null,
        primary key (sync_key, record_key)
    )
    """,
    """
    create table if not exists activation.sync_failures (
        sync_key varchar not null,
        record_key varchar not null,
        destination varchar not null,
        action varchar,
        payload_hash varchar,
        status varchar not null,
        reason varchar,
        http_status integer,
        attempts integer not null,
        first_failed_at timestamp not null,
        last_failed_at timestamp not null,
        last_run_id varchar,
        resolved_at timestamp,
        primary key (sync_key, record_key)
    )
    """,
    """
    create table if not exists activation.sync_runs (
        run_id varchar not null,
        sync_key varchar not null,
        destination varchar not null,
        segment varchar,
        mode varchar,
        dry_run boolean not null,
        started_at timestamp not null,
        finished_at timestamp,
        status varchar not null,
        planned bigint, planned_creates bigint, planned_updates bigint, planned_removals bigint,
        unchanged bigint, invalid bigint,
        sent bigint, succeeded bigint, failed bigint, skipped bigint, suppressed bigint, unknown bigint,
        deferred bigint, created bigint, updated bigint, removed bigint,
        message varchar
    )
    """,
)

GIVE_UP_AFTER_ATTEMPTS = 5
"""A record the destination refuses this many times with the same payload is not sent again until it changes."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class PendingIntent:
    """A change a crashed run sent (or was about to send) without recording the destination's answer."""

    change: Change
    run_id: str | None
    intended_at: datetime


class Ledger:
    """Reads and writes the activation tables of one DuckDB warehouse connection."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, destination: str):
        self.conn = conn
        self.destination = destination
        self._unresolved: dict[str, bool] = {}  # sync key -> it has failures a delivery may resolve
        for statement in DDL:
            conn.execute(statement)

    # -- reading --------------------------------------------------------------------------------------------

    def state(self, sync_key: str) -> dict[str, SyncedState]:
        """Gives the last acknowledged state of every record this sync has touched."""
        rows = self.conn.execute(
            "select record_key, payload_hash, external_id, present, sequence, last_status "
            "from activation.sync_state where sync_key = ?",
            [sync_key],
        ).fetchall()
        return {r[0]: SyncedState(r[1], r[2], bool(r[3]), int(r[4]), r[5]) for r in rows}

    def given_up(self, sync_key: str) -> dict[str, str]:
        """Gives record key -> payload hash for records refused too often to send again unchanged."""
        rows = self.conn.execute(
            "select record_key, payload_hash from activation.sync_failures "
            "where sync_key = ? and resolved_at is null and status = 'failed' and attempts >= ?",
            [sync_key, GIVE_UP_AFTER_ATTEMPTS],
        ).fetchall()
        return dict(rows)

    def pending(self, sync_key: str) -> list[PendingIntent]:
        """Gives intents left `pending` by a run that stopped before the destination's answer was recorded."""
        rows = self.conn.execute(
            "select record_key, action, payload_hash, idempotency_key, external_id, run_id, intended_at, "
            "pending_payload from activation.sync_ledger where sync_key = ? and status = 'pending' "
            "order by intended_at",
            [sync_key],
        ).fetchall()
        return [
            PendingIntent(
                Change(r[0], Action(r[1]), json.loads(r[7]) if r[7] else {}, r[2], r[3], r[4]),
                run_id=r[5],
                intended_at=r[6],
            )
            for r in rows
        ]

    # -- writing --------------------------------------------------------------------------------------------

    def record_intents(self, sync_key: str, run_id: str, changes: Sequence[Change]) -> None:
        """Writes each change as `pending` before it is sent (keeps an earlier intent with the same key)."""
        if not changes:
            return
        now = _now()
        frame = pd.DataFrame(
            {
                "idempotency_key": [c.idempotency_key for c in changes],
                "sync_key": sync_key,
                "destination": self.destination,
                "record_key": [c.record_key for c in changes],
                "action": [str(c.action) for c in changes],
                "payload_hash": [c.payload_hash for c in changes],
                "external_id": [c.external_id for c in changes],
                "pending_payload": [canonical_json(c.payload) for c in changes],
            }
        )
        self._with_frame(
            frame,
            """
            insert into activation.sync_ledger
            select idempotency_key, sync_key, destination, record_key, action, payload_hash, 'pending',
                   external_id, null, null, ?, ?, null, pending_payload
            from _frame
            on conflict (idempotency_key) do update set status = 'pending', run_id = excluded.run_id,
                pending_payload = excluded.pending_payload
            """,
            [run_id, now],
        )

    def record_outcomes(
        self, sync_key: str, run_id: str, changes: Mapping[str, Change], outcomes: Sequence[Outcome]
    ) -> None:
        """Writes the destination's answers: ledger, synced state and failed records, in one transaction."""
        if not outcomes:
            return
        now = _now()
        rows = []
        for outcome in outcomes:
            change = changes[outcome.record_key]
            rows.append(
                {
                    "idempotency_key": change.idempotency_key,
                    "record_key": change.record_key,
                    "action": str(change.action),
                    "payload_hash": change.payload_hash,
                    "status": str(outcome.status),
                    "external_id": outcome.external_id or change.external_id,
                    "reason": outcome.reason,
                    "http_status": outcome.http_status,
                    "present": _present_after(change.action, outcome.status),
                }
            )
        frame = pd.DataFrame(rows).astype({"http_status": "Int64", "present": "boolean"})
        statuses = set(frame["status"])
        if sync_key not in self._unresolved:
            self._unresolved[sync_key] = bool(
                self.conn.execute(
                    "select count(*) from activation.sync_failures where sync_key = ? and resolved_at is null",
                    [sync_key],
                ).fetchone()[0]
            )
        self.conn.execute("begin transaction")
        try:
            self.conn.register("_frame", frame)
            self.conn.execute(
                """
                insert into activation.sync_ledger
                select idempotency_key, ?, ?, record_key, action, payload_hash, status, external_id, reason,
                       http_status, ?, ?, ?, null
                from _frame
                on conflict (idempotency_key) do update set
                    status = excluded.status, external_id = excluded.external_id, reason = excluded.reason,
                    http_status = excluded.http_status, run_id = excluded.run_id,
                    acknowledged_at = excluded.acknowledged_at, pending_payload = null
                """,
                [sync_key, self.destination, run_id, now, now],
            )
            # the synced state moves only when the destination now holds (or definitely lacks) the record
            if statuses & {"delivered", "skipped", "unknown"}:
                self.conn.execute(
                    """
                    insert into activation.sync_state
                    select ?, f.record_key, f.payload_hash, f.external_id, f.present,
                           coalesce(s.sequence, 0) + 1, f.status, ?
                    from _frame f
                    left join activation.sync_state s on s.sync_key = ? and s.record_key = f.record_key
                    where f.status in ('delivered', 'skipped', 'unknown')
                    on conflict (sync_key, record_key) do update set
                        payload_hash = excluded.payload_hash, external_id = coalesce(excluded.external_id,
                        activation.sync_state.external_id), present = excluded.present,
                        sequence = excluded.sequence, last_status = excluded.last_status,
                        updated_at = excluded.updated_at
                    """,
                    [sync_key, now, sync_key],
                )
            if statuses & {"failed", "unknown"}:
                self._unresolved[sync_key] = True
                self.conn.execute(
                    """
                insert into activation.sync_failures
                select ?, record_key, ?, action, payload_hash, status, reason, http_status, 1, ?, ?, ?, null
                from _frame where status in ('failed', 'unknown')
                on conflict (sync_key, record_key) do update set
                    action = excluded.action, status = excluded.status, reason = excluded.reason,
                    http_status = excluded.http_status, last_failed_at = excluded.last_failed_at,
                    last_run_id = excluded.last_run_id, resolved_at = null,
                    attempts = case
                        when activation.sync_failures.payload_hash = excluded.payload_hash
                             and activation.sync_failures.resolved_at is null
                        then activation.sync_failures.attempts + 1 else 1 end,
                    payload_hash = excluded.payload_hash
                """,
                    [sync_key, self.destination, now, now, run_id],
                )
            if self._unresolved[sync_key] and statuses & {"delivered", "skipped"}:
                self.conn.execute(
                    """
                update activation.sync_failures set resolved_at = ?
                where sync_key = ? and resolved_at is null
                  and record_key in (select record_key from _frame where status in ('delivered', 'skipped'))
                """,
                    [now, sync_key],
                )
            self.conn.execute("commit")
        except Exception:
            self.conn.execute("rollback")
            raise
        finally:
            self.conn.unregister("_frame")

    def release(self, sync_key: str, changes: Sequence[Change], why: str) -> None:
        """Marks intents that were never acted on (a run stopped early) so a later run plans them again."""
        if not changes:
            return
        frame = pd.DataFrame({"idempotency_key": [c.idempotency_key for c in changes]})
        self._with_frame(
            frame,
            "update activation.sync_ledger set status = 'abandoned', reason = ?, pending_payload = null "
            "where sync_key = ? and status = 'pending' and idempotency_key in (select idempotency_key from _frame)",
            [why, sync_key],
        )

    def start_run(self, run_id: str, sync_key: str, segment: str, mode: str, dry_run: bool) -> None:
        self.conn.execute(
            "insert into activation.sync_runs (run_id, sync_key, destination, segment, mode, dry_run, started_at, "
            "status) values (?, ?, ?, ?, ?, ?, ?, 'running')",
            [run_id, sync_key, self.destination, segment, mode, dry_run, _now()],
        )

    def finish_run(
        self, run_id: str, sync_key: str, status: str, figures: Mapping[str, int], message: str = ""
    ):
        columns = [
            "planned", "planned_creates", "planned_updates", "planned_removals", "unchanged", "invalid", "sent",
            "succeeded", "failed", "skipped", "suppressed", "unknown", "deferred", "created", "updated", "removed",
        ]  # fmt: skip
        assignments = ", ".join(f"{c} = ?" for c in columns)
        self.conn.execute(
            f"update activation.sync_runs set status = ?, finished_at = ?, message = ?, {assignments} "
            "where run_id = ? and sync_key = ? and finished_at is null",
            [status, _now(), message, *(int(figures.get(c, 0)) for c in columns), run_id, sync_key],
        )

    def record_invalid(self, sync_key: str, run_id: str, invalid: Sequence[tuple[str, str]]) -> None:
        """Records members refused before sending (no address for the channel, ...) as failed with the reason."""
        if not invalid:
            return
        now = _now()
        self._unresolved[sync_key] = True
        frame = pd.DataFrame(invalid, columns=["record_key", "reason"])
        self._with_frame(
            frame,
            """
            insert into activation.sync_failures
            select ?, record_key, ?, null, null, 'invalid', reason, null, 1, ?, ?, ?, null from _frame
            on conflict (sync_key, record_key) do update set
                status = 'invalid', reason = excluded.reason, last_failed_at = excluded.last_failed_at,
                last_run_id = excluded.last_run_id, resolved_at = null,
                attempts = activation.sync_failures.attempts + 1
            """,
            [sync_key, self.destination, now, now, run_id],
        )

    def _with_frame(self, frame: pd.DataFrame, sql: str, params: list) -> None:
        self.conn.register("_frame", frame)
        try:
            self.conn.execute(sql, params)
        finally:
            self.conn.unregister("_frame")


def _present_after(action: Action, status: Status) -> bool:
    if action in (Action.REMOVE, Action.DELETE):
        return status not in (Status.DELIVERED, Status.SKIPPED)
    return status in (Status.DELIVERED, Status.UNKNOWN) or (
        status == Status.SKIPPED and action == Action.CREATE
    )
