"""The behaviour features as they stand now, kept between scoring runs: a daily run aggregates again only the
events of the contacts whose features can have changed since the previous run.

A contact's behaviour aggregates at a cutoff depend on its events before the cutoff and, through their ages, on
the cutoff. Between a run at C0 and one at C1 >= C0 they stay the same for a contact when
- its events before the cutoff are the same ones with the same content: a fingerprint, their count and the
  bit_xor of a hash of every column the features read, catches new, late, changed, deleted and re-attributed
  events (identity merges and splits move events between contacts), and
- none of its events crosses a window's edge: at most w days old at C0, more than w days at C1;
except the "days since" features (min or max of age_days), which move with the cutoff for everyone: the state
keeps the epoch of the newest or oldest event instead, and the snapshot turns it into days at the cutoff with
the full snapshot's arithmetic. min((C - e) / 86400) is (C - max e) / 86400 exactly (rounding is monotone), so
the features equal a full snapshot's bit for bit (tests/scoring/test_feature_state.py).

Tables: ml.behaviour_features (one row per contact with events: the aggregates, the epochs, the fingerprint)
and ml.behaviour_features_state (one row: the cutoff and a digest of the SQL the state was computed with; a
model with other features or a changed catalogue rebuilds it, as does a cutoff earlier than the state's).
Erasure deletes a contact's row with the rest of its data (connectors/destinations/erasure.py scrubs `ml`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from ml.features import Feature, FeatureSet
from ml.snapshots import (
    EVENTS,
    aggregate,
    aggregated,
    code_ranges,
    fetch,
    refusal_available,
    snapshot_sql,
)

SCHEMA = "ml"
STATE = f"{SCHEMA}.behaviour_features"
META = f"{SCHEMA}.behaviour_features_state"
FINGERPRINT = (
    "count(*) as _events, "
    "bit_xor(hash(event_id, contact_id, channel, event_type, event_detail, minutes, occurred_at)) as _events_hash"
)
_SINCE = re.compile(r"^(min|max)\(age_days\)(?: filter \(where (?P<condition>(?:(?!age_days).)*)\))?$")
_WINDOW = re.compile(r"age_days\s*(?:<=|<|>=|>)\s*(\d+)(?![\d.])")


def _since(feature: Feature) -> str | None:
    """Gives the epoch aggregate behind a "days since" feature (min(age_days): the newest event's epoch;
    max(age_days): the oldest's), or None for a feature of another form."""
    match = _SINCE.match(feature.sql)
    if not match:
        return None
    extreme = "max" if match.group(1) == "min" else "min"
    condition = match.group("condition")
    return f"{extreme}(epoch(occurred_at))" + (f" filter (where {condition})" if condition else "")


def window_edges(features: FeatureSet) -> list[int] | None:
    """Gives the ages in days at which events leave a feature's window, or None when some feature reads
    age_days in a way the state cannot follow (it is then computed again for every contact on every run)."""
    edges: set[int] = set()
    for feature in aggregated(features):
        if _since(feature):
            continue
        found = _WINDOW.findall(feature.sql)
        if len(found) != feature.sql.count("age_days"):
            return None
        edges.update(int(days) for days in found)
    return sorted(edges)


def _state_query(features: FeatureSet, codings) -> str:
    columns = [f"{_since(f) or aggregate(f, codings)} as {f.name}" for f in aggregated(features)]
    return f"select contact_id, {', '.join(columns)}, {FINGERPRINT} from events group by contact_id"


def version(features: FeatureSet) -> str:
    """A digest of what the state holds: the SQL of its aggregates (without bitstring codings, which change
    how a distinct count is counted, not its value) and of the fingerprint."""
    return hashlib.sha256(f"{EVENTS}\n{_state_query(features, None)}".encode()).hexdigest()[:16]


def projection(features: FeatureSet) -> str:
    """The behaviour part of a snapshot at $cutoff, read from the state."""
    columns = [
        f"(epoch($cutoff) - {f.name}) / 86400.0 as {f.name}" if _since(f) else f.name
        for f in aggregated(features)
    ]
    return f"select contact_id, {', '.join(columns)} from {STATE}"


@dataclass(frozen=True)
class Refresh:
    """What a refresh did: whether it computed every contact (and why), how many it aggregated again, kept
    (some with their windows moved) and dropped (no event before the cutoff any more)."""

    rebuilt: str | None
    recomputed: int
    windows_moved: int  # of the kept: their windowed features only were aggregated again
    kept: int
    dropped: int


def _tables_exist(conn: duckdb.DuckDBPyConnection, *relations: str) -> bool:
    """Gives whether every `schema.table` given exists."""
    pairs = [relation.split(".") for relation in relations]
    found = conn.execute(
        "select count(*) from information_schema.tables where "
        + " or ".join("(table_schema = ? and table_name = ?)" for _ in pairs),
        [part for pair in pairs for part in pair],
    ).fetchone()[0]
    return found == len(pairs)


def _previous(conn: duckdb.DuckDBPyConnection) -> tuple[datetime, str] | None:
    if not _tables_exist(conn, STATE, META):
        return None
    row = conn.execute(f"select cutoff, version from {META}").fetchone()
    return (row[0], row[1]) if row else None


def _rebuild_reason(previous, cutoff: datetime, current: str, edges) -> str | None:
    if previous is None:
        return "no state"
    if previous[1] != current:
        return "features changed"
    if previous[0] > cutoff:
        return f"cutoff {cutoff} is before the state's {previous[0]}"
    if edges is None:
        return "a feature reads age_days in a form the state cannot follow"
    return None


def _windowed(features: FeatureSet) -> list[Feature]:
    """The features counting events within a window of age: they change when an event leaves the window."""
    return [f for f in aggregated(features) if "age_days" in f.sql and not _since(f)]


def _carry_on(
    conn: duckdb.DuckDBPyConnection,
    cutoff: datetime,
    since: datetime,
    features: FeatureSet,
    codings,
    edges: list[int],
) -> tuple[int, int, int]:
    """Brings the state from `since` to `cutoff`: aggregates again every feature of the contacts whose
    fingerprint changed (and of new ones), only the windowed features of the others with an event that left a
    window between the cutoffs (from their events young enough to be in a window: at most the widest window
    before `since`), and drops the contacts without events. Gives (aggregated again, windows only, dropped)."""
    conn.execute(
        f"""
        create or replace temp table _fingerprints as
        select contact_id, {FINGERPRINT} from marts.fct_behaviors where occurred_at < $cutoff group by contact_id
        """,
        {"cutoff": cutoff},
    )
    conn.execute(
        f"""
        create or replace temp table _changed as
        select f.contact_id
        from _fingerprints as f
        left join {STATE} as s on s.contact_id = f.contact_id
        where s.contact_id is null or s._events <> f._events or s._events_hash <> f._events_hash
        """
    )
    dropped = conn.execute(
        f"delete from {STATE} where contact_id not in (select contact_id from _fingerprints)"
    ).fetchone()[0]
    conn.execute(f"delete from {STATE} where contact_id in (select contact_id from _changed)")
    conn.execute(
        f"""
        insert into {STATE} by name
        with events as (select * from ({EVENTS}) where contact_id in (select contact_id from _changed))
        {_state_query(features, codings)}
        """,
        {"cutoff": cutoff},
    )
    recomputed = conn.execute("select count(*) from _changed").fetchone()[0]
    windowed, windows_moved = _windowed(features), 0
    if windowed and edges:
        # an event left a window of w days: at most w days old at `since`, more than w at `cutoff` (with 1 s
        # of margin on each side for rounding)
        left = " or ".join(
            f"(occurred_at >= $since - to_seconds({days * 86400 + 1}) "
            f"and occurred_at < $cutoff - to_seconds({days * 86400 - 1}))"
            for days in edges
        )
        aggregates = ", ".join(f"{aggregate(f, codings)} as {f.name}" for f in windowed)
        conn.execute(
            f"""
            create or replace temp table _windows as
            with events as (
                select * from ({EVENTS})
                where occurred_at >= $since - to_seconds({max(edges) * 86400 + 1})
                    and contact_id in (select contact_id from marts.fct_behaviors where occurred_at < $cutoff and ({left}))
                    and contact_id not in (select contact_id from _changed)
            )
            select contact_id, {aggregates} from events group by contact_id
            """,
            {"cutoff": cutoff, "since": since},
        )
        # the rows again with their windows replaced: a delete and an insert, ~10x faster than DuckDB's update
        # of ~40 columns
        conn.execute(
            f"""
            create or replace temp table _moved as
            select s.* replace ({", ".join(f"w.{f.name} as {f.name}" for f in windowed)})
            from {STATE} as s join _windows as w on s.contact_id = w.contact_id
            """
        )
        conn.execute(f"delete from {STATE} where contact_id in (select contact_id from _windows)")
        windows_moved = conn.execute(f"insert into {STATE} by name select * from _moved").fetchone()[0]
        conn.execute("drop table _moved")
        conn.execute("drop table _windows")
    conn.execute("drop table _fingerprints")
    conn.execute("drop table _changed")
    return recomputed, windows_moved, dropped


def refresh(conn: duckdb.DuckDBPyConnection, cutoff: datetime, features: FeatureSet) -> Refresh:
    """Brings the state to `cutoff` in one transaction: every contact on the first run, or when the state
    cannot be carried on (see _rebuild_reason); otherwise the contacts that changed (_carry_on)."""
    current, edges = version(features), window_edges(features)
    previous = _previous(conn)
    reason = _rebuild_reason(previous, cutoff, current, edges)
    codings = code_ranges(conn, cutoff, features)
    conn.execute(f"create schema if not exists {SCHEMA}")
    conn.begin()
    try:
        if reason:
            conn.execute(
                f"create or replace table {STATE} as with events as ({EVENTS}) {_state_query(features, codings)}",
                {"cutoff": cutoff},
            )
        else:
            recomputed, windows_moved, dropped = _carry_on(
                conn, cutoff, previous[0], features, codings, edges
            )
        conn.execute(
            f"create or replace table {META} as select cast($cutoff as timestamp) as cutoff, "
            "cast($version as varchar) as version, now() as refreshed_at",
            {"cutoff": cutoff, "version": current},
        )
        total = conn.execute(f"select count(*) from {STATE}").fetchone()[0]
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    if reason:
        return Refresh(reason, total, 0, 0, 0)
    return Refresh(None, recomputed, windows_moved, total - recomputed, dropped)


FIT_CURRENT_TABLE = "intermediate.int_lead_fit_current"
FIT_CURRENT = f"select contact_id, attribute, attribute_value from {FIT_CURRENT_TABLE}"
"""Each contact's latest observation of each fit attribute, as dbt keeps it for the rule-based scores (same
ties as the snapshot's: the greater record id, then value): 5M rows to read at SF10 instead of 14M to rank."""


def fit_is_current(conn: duckdb.DuckDBPyConnection, cutoff: datetime) -> bool:
    """Gives whether intermediate.int_lead_fit_current holds the fit as it stood at the cutoff: no observation
    is at or after the cutoff, and it was built from the observations there are (same newest observation;
    both are built by the same dbt run, and it is an upstream of the predicted scores)."""
    if not _tables_exist(conn, FIT_CURRENT_TABLE):
        return False
    observed, current = conn.execute(
        "select (select max(observed_at) from marts.lead_fit_observations), "
        f"(select max(observed_at) from {FIT_CURRENT_TABLE})"
    ).fetchone()
    return observed is None or (observed == current and observed < cutoff)


def current_snapshot(
    conn: duckdb.DuckDBPyConnection, cutoff: datetime, features: FeatureSet
) -> tuple[pd.DataFrame, Refresh]:
    """Gives ml.snapshots.snapshot(conn, cutoff, features) (no label) with the behaviour part read from the
    state, brought to `cutoff` first; and what the refresh did. The connection must be able to write."""
    done = refresh(conn, cutoff, features)
    sql = snapshot_sql(
        features,
        with_label=False,
        exclude_refused=refusal_available(conn),
        behaviour=projection(features),
        fit_latest=FIT_CURRENT if fit_is_current(conn, cutoff) else None,
    )
    return fetch(conn, sql, {"cutoff": cutoff}, cutoff), done
