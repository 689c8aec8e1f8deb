"""Point-in-time snapshots: every contact's features as they stood at a cutoff, and what happened after it.

A snapshot reads only what was known before the cutoff: behaviour events before it, the latest fit-attribute
observation before it, CRM leads created before it. The label, when asked for, is whether the contact's first
opportunity was opened in [cutoff, cutoff + horizon). Contacts already an opportunity at the cutoff are not
in the snapshot (sales own them), nor are contacts who refused automated decisions (PIPL art. 24).

The warehouse tables read are marts.fct_behaviors, marts.lead_fit_observations, marts.fct_crm_outcomes and
marts.dim_contacts; the connection is the caller's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from connectors.settings import duckdb_memory_limit
from connectors.sql_text import literal
from ml.features import BY_NAME, FIT_ATTRIBUTES, Feature, FeatureSet, keeps_gaps

log = logging.getLogger(__name__)

LABEL = "converted"
REFUSAL_COLUMN = "refused_automated_decisions"


def refusal_available(conn: duckdb.DuckDBPyConnection) -> bool:
    """Gives whether marts.dim_contacts carries refused_automated_decisions (the identity models add it)."""
    return bool(
        conn.execute(
            "select count(*) from information_schema.columns where table_schema = 'marts' "
            "and table_name = 'dim_contacts' and column_name = ?",
            [REFUSAL_COLUMN],
        ).fetchone()[0]
    )


def refused_contacts(conn: duckdb.DuckDBPyConnection) -> set[str]:
    """Gives the contacts who refused automated decision-making; empty while dim_contacts lacks the column."""
    if not refusal_available(conn):
        return set()
    rows = conn.execute(f"select contact_id from marts.dim_contacts where {REFUSAL_COLUMN}").fetchall()
    return {r[0] for r in rows}


def data_end(conn: duckdb.DuckDBPyConnection) -> datetime:
    """Gives the newest time in the behaviour, fit and CRM data: "now" for a warehouse that is loaded in
    batches (a snapshot just after it sees every observation there is)."""
    value = conn.execute(
        """
        select greatest(
            (select max(occurred_at) from marts.fct_behaviors),
            (select max(observed_at) from marts.lead_fit_observations),
            (select max(greatest(lead_created_at, coalesce(opportunity_created_at, lead_created_at),
                                 coalesce(closed_at, lead_created_at))) from marts.fct_crm_outcomes)
        )
        """
    ).fetchone()[0]
    if value is None:
        raise ValueError(
            "marts.fct_behaviors, lead_fit_observations and fct_crm_outcomes are empty: nothing to learn from"
        )
    return value


DISTINCT_BITS_MAX = 4096
"""The widest bitstring a distinct count takes per contact (codes from the lowest to the highest present):
512 bytes, over eleven years of days. A wider range is counted with count(distinct) instead."""
EPOCH_DAY = "(cast(occurred_at as date) - date '1970-01-01')"


@dataclass(frozen=True)
class CodeRange:
    """How the values a distinct count counts are coded: an integer expression over an event, and its range."""

    code: str
    low: int
    high: int


@dataclass(frozen=True)
class Codings:
    """The codings of the columns distinct counts count, as read from the events before `cutoff`: valid for
    a snapshot at that cutoff only (a 30-day window of days starts 30 days before it)."""

    cutoff: datetime
    ranges: dict[str, CodeRange]


def code_ranges(conn: duckdb.DuckDBPyConnection, cutoff: datetime, features: FeatureSet) -> Codings:
    """Gives the coding of every column the distinct-count features count, read from the events before the
    cutoff: a text column's values by their position in the sorted list of the values present, days as days
    since 1970-01-01. A column without values, or with more codes than DISTINCT_BITS_MAX, is left out (its
    features are counted with count(distinct))."""
    columns = sorted({f.distinct.of for f in aggregated(features) if f.distinct})
    if not columns:
        return Codings(cutoff, {})
    selects = [
        f"min({EPOCH_DAY}), max({EPOCH_DAY})"
        if column == "day"
        else f"list(distinct {column} order by {column}) filter (where {column} is not null)"
        for column in columns
    ]
    row = iter(
        conn.execute(
            f"select {', '.join(selects)} from marts.fct_behaviors where occurred_at < $cutoff",
            {"cutoff": cutoff},
        ).fetchall()[0]
    )
    ranges = {}
    for column in columns:
        if column == "day":
            low, high = next(row), next(row)
            coding = CodeRange(EPOCH_DAY, low, high) if low is not None else None
        else:
            values = next(row) or []
            listed = f"[{', '.join(literal(v) for v in values)}]::varchar[]"
            coding = CodeRange(f"list_position({listed}, {column})", 1, len(values)) if values else None
        if coding and coding.high - coding.low < DISTINCT_BITS_MAX:
            ranges[column] = coding
    return Codings(cutoff, ranges)


def aggregated(features: FeatureSet) -> list[Feature]:
    """Gives the features computed from behaviour events, in the feature set's order."""
    return [BY_NAME[name] for name in features.numeric if BY_NAME[name].sql]


def aggregate(feature: Feature, codings: Codings | None = None) -> str:
    """A feature's aggregate; a distinct count as the bits set in a bitstring of its codes (NULL codes, like
    NULL values in count(distinct), are not counted) when its column's coding is known."""
    coding = codings.ranges.get(feature.distinct.of) if codings and feature.distinct else None
    if coding is None:
        return feature.sql
    low, days = coding.low, feature.distinct.days
    if feature.distinct.of == "day" and days is not None:
        # the window's days only: an event at most `days` before the cutoff falls on or after this day
        low = max(low, (codings.cutoff.date() - date(1970, 1, 1)).days - days - 1)
        low = min(low, coding.high)
    window = f" filter (where age_days <= {days})" if days is not None else ""
    return f"coalesce(bit_count(bitstring_agg({coding.code}, {low}, {coding.high}){window}), 0)"


EVENTS = """
        select
            event_id, contact_id, channel, event_type, event_detail, minutes, occurred_at,
            (epoch($cutoff) - epoch(occurred_at)) / 86400.0 as age_days
        from marts.fct_behaviors
        where occurred_at < $cutoff
"""
"""The events a snapshot aggregates (those before $cutoff), with their age in days at the cutoff."""


def _behaviour_query(features: FeatureSet, codings: Codings | None) -> str:
    aggregates = ",\n            ".join(f"{aggregate(f, codings)} as {f.name}" for f in aggregated(features))
    return f"select contact_id, {aggregates} from events group by contact_id"


FIT_LATEST = """
        -- each attribute's latest value (ties: the greatest record id, then value; no column is null): an
        -- aggregate, not a window, which would sort every observation
        select
            contact_id,
            attribute,
            max({'observed_at': observed_at, 'record_id': record_id, 'attribute_value': attribute_value})
                .attribute_value as attribute_value
        from marts.lead_fit_observations
        where observed_at < $cutoff
        group by contact_id, attribute
"""
NAN = "cast('NaN' as double)"


def _typed(features: FeatureSet) -> str:
    """The snapshot's feature columns as the models take them: numbers as doubles, a count 0 when nothing
    happened, a gap ("days since" that never happened, a rate with nothing to respond to) NaN rather than 0,
    a category 'unknown' when never observed. Typed in SQL, the rows reach numpy without NULL masks and
    without pandas converting ~100 nullable columns (8 s of 1.2M contacts at SF10)."""
    numbers = [
        f"coalesce(cast({name} as double), {NAN if keeps_gaps(name) else 0}) as {name}"
        for name in features.numeric
    ]
    categories = [f"coalesce(cast({name} as varchar), 'unknown') as {name}" for name in features.categorical]
    return ",\n        ".join(numbers + categories)


def snapshot_sql(
    features: FeatureSet,
    with_label: bool,
    exclude_refused: bool,
    codings: Codings | None = None,
    behaviour: str | None = None,
    fit_latest: str | None = None,
) -> str:
    """Gives the snapshot query; parameters: $cutoff (timestamp, the codings' cutoff) and $label_end
    (timestamp). With `codings` (code_ranges) distinct counts are counted as bitstrings. `behaviour` replaces
    the aggregation of the events before the cutoff by a query giving the same columns (ml.feature_state);
    `fit_latest` the choice of each contact's latest fit observations before the cutoff."""
    fit_columns = ",\n            ".join(
        f"max(attribute_value) filter (where attribute = '{a}') as {a}" for a in FIT_ATTRIBUTES
    )
    refusal = (
        f"and population.contact_id not in (select contact_id from marts.dim_contacts where {REFUSAL_COLUMN})"
        if exclude_refused
        else ""
    )
    label = (
        "case when opportunities.first_opportunity_at < $label_end then 1.0 else 0.0 end as converted"
        if with_label
        else f"{NAN} as converted"
    )
    return f"""
    with
    events as ({EVENTS}),
    behaviour as (
        {behaviour or _behaviour_query(features, codings)}
    ),
    fit_latest as (
        {fit_latest or FIT_LATEST}
    ),
    fit as (
        select
            contact_id,
            {fit_columns}
        from fit_latest
        group by contact_id
    ),
    crm as (
        select
            contact_id,
            1 as has_crm_lead,
            (epoch($cutoff) - epoch(min(lead_created_at))) / 86400.0 as days_since_crm_lead,
            -- disqualified at the cutoff: every lead known then was closed as disqualified before it
            min(case when status = 'disqualified' and closed_at < $cutoff then 1 else 0 end) as crm_disqualified
        from marts.fct_crm_outcomes
        where lead_created_at < $cutoff
        group by contact_id
    ),
    opportunities as (
        select
            contact_id,
            min(coalesce(opportunity_created_at, lead_created_at)) as first_opportunity_at
        from marts.fct_crm_outcomes
        where has_opportunity
        group by contact_id
    ),
    population as (
        select contact_id from behaviour
        union
        select contact_id from fit
        union
        select contact_id from crm
    )
    select
        population.contact_id,
        {_typed(features)},
        {label}
    from (
        select
            population.contact_id,
            behaviour.* exclude (contact_id),
            crm.has_crm_lead,
            crm.days_since_crm_lead,
            crm.crm_disqualified,
            fit.* exclude (contact_id)
        from population
        left join behaviour on population.contact_id = behaviour.contact_id
        left join fit on population.contact_id = fit.contact_id
        left join crm on population.contact_id = crm.contact_id
    ) as population
    left join opportunities on population.contact_id = opportunities.contact_id
    where (opportunities.first_opportunity_at is null or opportunities.first_opportunity_at >= $cutoff)
        {refusal}
    order by population.contact_id
    """


def snapshot(
    conn: duckdb.DuckDBPyConnection,
    cutoff: datetime,
    features: FeatureSet,
    horizon_days: int | None = None,
) -> pd.DataFrame:
    """Gives one row per contact known before `cutoff` and not yet an opportunity: contact_id, the feature
    columns as of the cutoff, `converted` (1 if the first opportunity opened within horizon_days after the
    cutoff; null without a horizon) and `cutoff`."""
    sql = snapshot_sql(
        features,
        with_label=horizon_days is not None,
        exclude_refused=refusal_available(conn),
        codings=code_ranges(conn, cutoff, features),
    )
    parameters = {"cutoff": cutoff}
    if horizon_days is not None:
        parameters["label_end"] = cutoff + timedelta(days=horizon_days)
    return fetch(conn, sql, parameters, cutoff)


RELEASE_LIMIT = "64MB"


def release_memory(conn: duckdb.DuckDBPyConnection) -> None:
    """Makes DuckDB give back the memory it kept after a query before pandas and scikit-learn need it: its
    buffers and its allocator's caches (4.4 GB of the process's 5.8 GB after one SF10 snapshot, of which
    DuckDB counted 1.1 GB as buffers). Lowering the memory limit for a moment evicts and frees them.

    The limit is then set back: to Yuchi's (YUCHI_DUCKDB_MEMORY_LIMIT, what every warehouse connection sets,
    exact), or, on a connection that had another, to that one as DuckDB shows it (0.2 GiB less at worst). When
    DuckDB cannot lower the limit (memory pinned by another result), nothing is freed and the run goes on."""
    before = _memory_limit(conn)
    try:
        conn.execute(f"set memory_limit = '{RELEASE_LIMIT}'")
    except duckdb.Error as exc:
        log.warning("DuckDB kept its memory after the snapshot (%s); going on with it held", exc)
        return
    conn.execute(f"set memory_limit = '{duckdb_memory_limit()}'")
    if _memory_limit(conn) != before:
        conn.execute(f"set memory_limit = '{before}'")


def _memory_limit(conn: duckdb.DuckDBPyConnection) -> str:
    return conn.execute("select current_setting('memory_limit')").fetchone()[0]


def fetch(conn: duckdb.DuckDBPyConnection, sql: str, parameters: dict, cutoff: datetime) -> pd.DataFrame:
    """Runs a snapshot query and gives its rows with `cutoff`, then makes DuckDB give back its memory. The
    query types its columns (_typed: no NULLs), so each reaches numpy as a plain array and the frame keeps it
    as it is: one block per column, not one 2-D block (at SF10 that copy was 1 GB more at the snapshot's peak,
    while DuckDB still holds the query's memory), and no pandas conversion of nullable columns (8 s at SF10)."""
    columns: dict[str, object] = {}
    for name, values in conn.execute(sql, parameters).fetchnumpy().items():
        if np.ma.isMaskedArray(values) and np.ma.getmaskarray(values).any():
            raise ValueError(f"snapshot column {name!r} has NULLs: the snapshot query must type it (_typed)")
        columns[name] = np.ma.getdata(values)
    release_memory(conn)
    columns["cutoff"] = pd.Timestamp(cutoff)
    return pd.DataFrame(columns, copy=False)
