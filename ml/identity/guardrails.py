"""What identity resolution's guardrails did in the latest run, read from the warehouse: identifiers blocked and
found shared (with the records they sit on), components split by per-contact limits, and the ledger's latest
merges, splits and links."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb


@dataclass(frozen=True)
class GuardrailReport:
    """Counts of one identity run's guardrail decisions, and the most used shared identifiers."""

    linking_identifiers: int
    blocked_identifiers: int
    shared_identifiers: int
    records: int
    records_on_shared_identifiers: int
    records_without_linking_identifier: int
    components_split_by_limits: int
    ledger_events_latest_run: dict[str, int] = field(default_factory=dict)
    top_shared: list[dict] = field(default_factory=list)

    @property
    def share_of_records_on_shared_identifiers(self) -> float:
        return self.records_on_shared_identifiers / self.records if self.records else 0.0


def guardrail_report(conn: duckdb.DuckDBPyConnection, top: int = 10) -> GuardrailReport:
    """Gives the guardrail report of the identity models in the warehouse `conn` reads."""
    statuses = dict(
        conn.execute(
            "select screen_status, count(*) from intermediate.int_identity_identifiers_screened group by 1"
        ).fetchall()
    )
    records, unidentified = conn.execute(
        "select count(*), count(*) filter (where not is_identified) from intermediate.int_records_resolved"
    ).fetchone()
    on_shared = conn.execute(
        "select count(distinct e.record_id) from intermediate.int_identity_edges e "
        "join intermediate.int_identity_identifiers_screened s using (identifier_key) "
        "where s.screen_status = 'shared'"
    ).fetchone()[0]
    split = conn.execute(
        "select count(distinct component_key) from intermediate.int_identity_parts where split_rule is not null"
    ).fetchone()[0]
    events = dict(
        conn.execute(
            "select event_type, count(*) from marts.contact_merges "
            "where generation = (select max(generation) from marts.contact_merges) group by 1"
        ).fetchall()
    )
    shared = conn.execute(
        "select identifier_key, n_records, screen_reason from intermediate.int_identity_identifiers_screened "
        "where screen_status = 'shared' order by n_records desc, identifier_key limit ?",
        [top],
    ).fetchall()
    return GuardrailReport(
        linking_identifiers=statuses.get("linking", 0),
        blocked_identifiers=statuses.get("blocked", 0),
        shared_identifiers=statuses.get("shared", 0),
        records=records,
        records_on_shared_identifiers=on_shared,
        records_without_linking_identifier=unidentified,
        components_split_by_limits=split,
        ledger_events_latest_run=events,
        top_shared=[{"identifier": k, "records": n, "reason": r} for k, n, r in shared],
    )
