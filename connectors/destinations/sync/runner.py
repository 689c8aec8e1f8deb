"""One sync of one segment to one destination, start to finish, against the warehouse.

Order matters and is fixed here: settle what a crashed run left pending, read the members, drop those consent
forbids (and, for score-driven segments, those who refused automated decisions), diff against the synced
state, stop on an anomalous plan unless confirmed, then send with consent re-checked batch by batch. Dagster
assets, the CLI, benchmarks and the crash tests all call this one function.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from connectors.destinations.consent import ConsentScope, Suppressions
from connectors.destinations.file_export import ExportResult, FileExport
from connectors.destinations.profile import address_keys, member_profiles
from connectors.destinations.sync.destination import Destination
from connectors.destinations.sync.engine import Observer, SyncAborted, SyncEngine
from connectors.destinations.sync.ledger import Ledger
from connectors.destinations.sync.model import Change, Counts, Mode, Outcome, Status
from connectors.destinations.sync.pacing import RetryPolicy
from connectors.destinations.sync.planner import AnomalyRule, Plan, plan_sync

CONFIRMATIONS_DDL = """
create table if not exists activation.sync_confirmations (
    sync_key varchar not null, confirmed_by varchar not null, confirmed_at timestamp not null,
    max_leaving bigint not null, note varchar, used_by_run varchar, used_at timestamp
)
"""
PLANS_DDL = """
create table if not exists activation.sync_plans (
    plan_id varchar not null, sync_key varchar not null, planned_at timestamp not null, members bigint,
    previously_present bigint, leaving bigint, planned_creates bigint, planned_updates bigint,
    planned_removals bigint, unchanged bigint, invalid bigint, suppressed bigint, anomaly varchar
)
"""


class AnomalousChange(Exception):
    """The plan removes too much of the segment at once; it waits for a person to confirm."""


@dataclass(frozen=True)
class SyncRequest:
    """What to sync where."""

    sync_key: str
    segment: str
    segment_table: str
    mode: Mode
    destination: Destination
    run_id: str
    score_driven: bool = False
    anomaly: AnomalyRule = AnomalyRule()
    dry_run: bool = False
    confirm_anomaly: bool = False


@dataclass
class SyncReport:
    """What one sync did, for the run log and the Dagster UI."""

    plan: Plan
    reconciled: dict[str, int]
    suppressed_at_plan: int
    consent_sources: list[str]
    counts: Counts = field(default_factory=Counts)
    status: str = "planned"
    anomaly: str | None = None
    export: ExportResult | None = None
    members: list[dict[str, Any]] = field(default_factory=list, repr=False)  # profiles consent allows

    def figures(self) -> dict[str, int]:
        summary = self.plan.summary()
        return {
            "planned": len(self.plan.changes),
            "planned_creates": summary["planned_creates"],
            "planned_updates": summary["planned_updates"],
            "planned_removals": summary["planned_removals"],
            "unchanged": summary["unchanged"],
            "invalid": summary["invalid"],
            "sent": self.counts.sent,
            "succeeded": self.counts.succeeded,
            "failed": self.counts.failed,
            "skipped": self.counts.skipped,
            "suppressed": self.counts.suppressed + self.suppressed_at_plan,
            "unknown": self.counts.unknown,
            "deferred": self.counts.deferred,
            "created": self.counts.by_action.get("create", 0),
            "updated": self.counts.by_action.get("update", 0),
            "removed": self.counts.by_action.get("remove", 0) + self.counts.by_action.get("delete", 0),
        }


def consent_scope(destination: Destination, score_driven: bool) -> ConsentScope:
    """Gives what a sync must respect: the destination's channel, marketing, and automated decisions when the
    segment is chosen by a score (PIPL art. 24)."""
    purposes = ("marketing", "automated_decisions") if score_driven else ("marketing",)
    return ConsentScope(destination.consent_channel, purposes)


def plan(
    conn: duckdb.DuckDBPyConnection, request: SyncRequest, observer: Observer | None = None
) -> tuple[SyncReport, SyncEngine, Suppressions, dict[str, list[str]]]:
    """Settles pending intents and gives the plan (the dry-run), without sending anything."""
    ledger = Ledger(conn, request.destination.name)
    conn.execute(PLANS_DDL)
    engine = SyncEngine(request.destination, ledger, request.sync_key, request.run_id, observer=observer)
    reconciled = engine.reconcile()
    profiles = member_profiles(conn, request.segment_table)
    suppressions = Suppressions(conn, consent_scope(request.destination, request.score_driven))
    addresses = {p["contact_id"]: address_keys(p) for p in profiles}
    refused = suppressions.check(addresses)
    allowed = [p for p in profiles if p["contact_id"] not in refused]
    planned = plan_sync(
        request.sync_key,
        request.mode,
        request.destination,
        allowed,
        ledger.state(request.sync_key),
        ledger.given_up(request.sync_key),
    )
    report = SyncReport(planned, reconciled, len(refused), suppressions.sources, members=allowed)
    report.anomaly = planned.anomaly(request.anomaly)
    summary = planned.summary()
    conn.execute(
        "insert into activation.sync_plans values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            request.run_id, request.sync_key, datetime.now(UTC).replace(tzinfo=None), summary["members"],
            planned.previously_present, planned.leaving, summary["planned_creates"], summary["planned_updates"],
            summary["planned_removals"], summary["unchanged"], summary["invalid"], len(refused), report.anomaly,
        ],
    )  # fmt: skip
    return report, engine, suppressions, addresses


def run_sync(
    conn: duckdb.DuckDBPyConnection,
    request: SyncRequest,
    observer: Observer | None = None,
    policy: RetryPolicy | None = None,
) -> SyncReport:
    """Plans and (unless dry-run) sends one sync; gives the report. Raises AnomalousChange or SyncAborted."""
    report, engine, suppressions, addresses = plan(conn, request, observer)
    if policy is not None:
        engine.policy = policy
    ledger = engine.ledger
    ledger.start_run(request.run_id, request.sync_key, request.segment, str(request.mode), request.dry_run)
    if report.anomaly and not request.dry_run:
        if not (
            request.confirm_anomaly
            or use_confirmation(conn, request.sync_key, report.plan.leaving, request.run_id)
        ):
            report.status = "blocked"
            ledger.finish_run(request.run_id, request.sync_key, "blocked", report.figures(), report.anomaly)
            raise AnomalousChange(report.anomaly)
    ledger.record_invalid(request.sync_key, request.run_id, report.plan.invalid)
    if request.dry_run:
        report.status = "dry_run"
        ledger.finish_run(request.run_id, request.sync_key, "dry_run", report.figures())
        return report
    if isinstance(request.destination, FileExport):
        report.export = _write_export(request, report, ledger)
        report.counts = _export_counts(report.plan)
    else:
        engine.suppressor = _suppressor(suppressions, addresses)
        try:
            report.counts = engine.run(report.plan.changes)
        except SyncAborted as exc:
            report.status = "aborted"
            ledger.finish_run(request.run_id, request.sync_key, "aborted", report.figures(), str(exc))
            raise
    report.status = "partial" if report.counts.deferred or report.counts.failed else "succeeded"
    ledger.finish_run(request.run_id, request.sync_key, report.status, report.figures())
    return report


def _suppressor(
    suppressions: Suppressions, addresses: Mapping[str, list[str]]
) -> Callable[[Sequence[Change]], dict]:
    def check(changes: Sequence[Change]) -> dict[str, str]:
        return suppressions.check({c.record_key: addresses.get(c.record_key, []) for c in changes})

    return check


def _write_export(request: SyncRequest, report: SyncReport, ledger: Ledger) -> ExportResult:
    """Writes the whole current membership, then records the plan's changes as delivered."""
    export: FileExport = request.destination  # type: ignore[assignment]
    invalid = {key for key, _ in report.plan.invalid}
    rows = [export.payload(p) for p in report.members if p["contact_id"] not in invalid]
    result = export.write(rows, len(invalid))
    changes = report.plan.changes
    ledger.record_intents(request.sync_key, request.run_id, changes)
    outcomes = [Outcome(c.record_key, Status.DELIVERED, result.path.name) for c in changes]
    ledger.record_outcomes(request.sync_key, request.run_id, {c.record_key: c for c in changes}, outcomes)
    return result


def _export_counts(planned: Plan) -> Counts:
    counts = Counts(planned=len(planned.changes), sent=len(planned.changes), succeeded=len(planned.changes))
    for change in planned.changes:
        counts.by_action[str(change.action)] = counts.by_action.get(str(change.action), 0) + 1
    return counts


def use_confirmation(conn: duckdb.DuckDBPyConnection, sync_key: str, leaving: int, run_id: str) -> bool:
    """Consumes a person's confirmation that lets up to `max_leaving` members leave this sync at once."""
    conn.execute(CONFIRMATIONS_DDL)
    row = conn.execute(
        "select rowid from activation.sync_confirmations where sync_key = ? and used_at is null "
        "and max_leaving >= ? order by confirmed_at limit 1",
        [sync_key, leaving],
    ).fetchone()
    if not row:
        return False
    conn.execute(
        "update activation.sync_confirmations set used_by_run = ?, used_at = ? where rowid = ?",
        [run_id, datetime.now(UTC).replace(tzinfo=None), row[0]],
    )
    return True


def confirm(
    conn: duckdb.DuckDBPyConnection, sync_key: str, max_leaving: int, confirmed_by: str, note: str = ""
) -> None:
    """Records that a person checked an anomalous plan and lets it through (once)."""
    conn.execute("create schema if not exists activation")
    conn.execute(CONFIRMATIONS_DDL)
    conn.execute(
        "insert into activation.sync_confirmations values (?, ?, ?, ?, ?, null, null)",
        [sync_key, confirmed_by, datetime.now(UTC).replace(tzinfo=None), max_leaving, note],
    )


def pending_confirmation(conn: duckdb.DuckDBPyConnection, sync_key: str, leaving: int) -> bool:
    """Tells whether an unused confirmation covers `leaving` members (without consuming it)."""
    conn.execute(CONFIRMATIONS_DDL)
    row = conn.execute(
        "select count(*) from activation.sync_confirmations where sync_key = ? and used_at is null and max_leaving >= ?",
        [sync_key, leaving],
    ).fetchone()
    return bool(row[0])
