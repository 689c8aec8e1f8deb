"""Point-in-time snapshots: every contact's features as they stood at a cutoff, and what happened after it.

A snapshot reads only what was known before the cutoff: behaviour events before it, the latest fit-attribute
observation before it, CRM leads created before it. The label, when asked for, is whether the contact's first
opportunity was opened in [cutoff, cutoff + horizon). Contacts already an opportunity at the cutoff are not
in the snapshot (sales own them), nor are contacts who refused automated decisions (PIPL art. 24).

The warehouse tables read are marts.fct_behaviors, marts.lead_fit_observations, marts.fct_crm_outcomes and
marts.dim_contacts; the connection is the caller's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from ml.features import BY_NAME, FIT_ATTRIBUTES, FeatureSet, keeps_gaps

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
    """Gives the newest time in the behaviour and CRM data: "now" for a warehouse that is loaded in batches."""
    value = conn.execute(
        """
        select greatest(
            (select max(occurred_at) from marts.fct_behaviors),
            (select max(greatest(lead_created_at, coalesce(opportunity_created_at, lead_created_at),
                                 coalesce(closed_at, lead_created_at))) from marts.fct_crm_outcomes)
        )
        """
    ).fetchone()[0]
    if value is None:
        raise ValueError("marts.fct_behaviors and marts.fct_crm_outcomes are empty: nothing to learn from")
    return value


def _behaviour_aggregates(features: FeatureSet) -> str:
    wanted = [BY_NAME[name] for name in features.numeric if BY_NAME[name].sql]
    return ",\n            ".join(f"{f.sql} as {f.name}" for f in wanted)


def snapshot_sql(features: FeatureSet, with_label: bool, exclude_refused: bool) -> str:
    """Gives the snapshot query; parameters: $cutoff (timestamp) and $label_end (timestamp)."""
    fit_columns = ",\n            ".join(
        f"max(attribute_value) filter (where attribute = '{a}') as {a}" for a in FIT_ATTRIBUTES
    )
    refusal = (
        f"and population.contact_id not in (select contact_id from marts.dim_contacts where {REFUSAL_COLUMN})"
        if exclude_refused
        else ""
    )
    label = (
        "case when opportunities.first_opportunity_at < $label_end then 1 else 0 end as converted"
        if with_label
        else "cast(null as integer) as converted"
    )
    return f"""
    with
    events as (
        select
            contact_id, channel, event_type, event_detail, minutes, occurred_at,
            (epoch($cutoff) - epoch(occurred_at)) / 86400.0 as age_days
        from marts.fct_behaviors
        where occurred_at < $cutoff
    ),
    behaviour as (
        select
            contact_id,
            {_behaviour_aggregates(features)}
        from events
        group by contact_id
    ),
    fit_ranked as (
        select
            contact_id, attribute, attribute_value,
            row_number() over (
                partition by contact_id, attribute
                order by observed_at desc, record_id desc, attribute_value desc
            ) as recency_rank
        from marts.lead_fit_observations
        where observed_at < $cutoff
    ),
    fit as (
        select
            contact_id,
            {fit_columns}
        from fit_ranked
        where recency_rank = 1
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
        behaviour.* exclude (contact_id),
        coalesce(crm.has_crm_lead, 0) as has_crm_lead,
        crm.days_since_crm_lead,
        coalesce(crm.crm_disqualified, 0) as crm_disqualified,
        fit.* exclude (contact_id),
        {label}
    from population
    left join behaviour on population.contact_id = behaviour.contact_id
    left join fit on population.contact_id = fit.contact_id
    left join crm on population.contact_id = crm.contact_id
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
    sql = snapshot_sql(features, with_label=horizon_days is not None, exclude_refused=refusal_available(conn))
    parameters = {"cutoff": cutoff}
    if horizon_days is not None:
        parameters["label_end"] = cutoff + timedelta(days=horizon_days)
    frame = conn.execute(sql, parameters).df()
    return tidy(frame, features, cutoff)


def tidy(frame: pd.DataFrame, features: FeatureSet, cutoff: datetime) -> pd.DataFrame:
    """Gives the snapshot with every feature column typed: counts 0 when nothing happened, "days since" NaN
    when it never happened (not 0 days), rates NaN when there was nothing to respond to, categories 'unknown'
    when never observed."""
    columns: dict[str, object] = {"contact_id": frame["contact_id"].astype(str).to_numpy()}
    for name in features.numeric:
        values = (
            frame[name].to_numpy(dtype="float64", na_value=np.nan)
            if name in frame
            else np.full(len(frame), np.nan)
        )
        columns[name] = values if keeps_gaps(name) else np.nan_to_num(values, nan=0.0)
    for name in features.categorical:
        values = frame[name] if name in frame else pd.Series(index=frame.index, dtype="object")
        columns[name] = values.astype("object").where(values.notna(), "unknown").astype(str).to_numpy()
    columns[LABEL] = frame[LABEL].to_numpy(dtype="float64", na_value=np.nan) if LABEL in frame else np.nan
    columns["cutoff"] = pd.Timestamp(cutoff)
    return pd.DataFrame(columns)
