"""Point-in-time snapshots: features see only the past, labels only the horizon after the cutoff."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pandas.testing as pdt

from ml.features import DEFAULT_FEATURES
from ml.snapshots import LABEL, code_ranges, fetch, refusal_available, snapshot, snapshot_sql
from tests.scoring.synthetic_warehouse import Synthetic, tables, write

CUTOFF = datetime(2026, 9, 1)


def _as_known_at(frames: dict[str, pd.DataFrame], cutoff: datetime) -> dict[str, pd.DataFrame]:
    """The warehouse as it stood at the cutoff: later events and observations gone, CRM leads as exported then."""
    out = {name: frame.copy() for name, frame in frames.items()}
    out["fct_behaviors"] = out["fct_behaviors"][out["fct_behaviors"]["occurred_at"] < cutoff]
    out["lead_fit_observations"] = out["lead_fit_observations"][
        out["lead_fit_observations"]["observed_at"] < cutoff
    ]
    crm = out["fct_crm_outcomes"]
    crm = crm[crm["lead_created_at"] < cutoff].copy()
    later = crm["opportunity_created_at"] >= cutoff
    crm.loc[later, ["status", "opportunity_created_at", "has_opportunity"]] = ["open", pd.NaT, False]
    out["fct_crm_outcomes"] = crm
    return out


def _features(path, cutoff=CUTOFF, horizon=None) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as conn:
        return snapshot(conn, cutoff, DEFAULT_FEATURES, horizon)


def test_features_at_a_cutoff_are_the_same_whatever_happened_after_it(tmp_path):
    frames = tables(Synthetic(contacts=1500, seed=7))
    full = _features(write(tmp_path / "full.duckdb", frames))
    past_only = _features(write(tmp_path / "past.duckdb", _as_known_at(frames, CUTOFF)))
    # and with a burst of strong signals after the cutoff for everyone
    noisy = {k: v.copy() for k, v in frames.items()}
    burst = (
        frames["fct_behaviors"]
        .sample(5000, replace=True, random_state=1)
        .assign(
            event_id=[f"late{i}" for i in range(5000)],
            occurred_at=CUTOFF + timedelta(hours=1),
            event_detail="demo_request",
        )
    )
    noisy["fct_behaviors"] = pd.concat([frames["fct_behaviors"], burst], ignore_index=True)
    late = _features(write(tmp_path / "late.duckdb", noisy))
    columns = ["contact_id", *DEFAULT_FEATURES.columns]
    assert len(full) > 500 and full["n_form_submitted"].sum() > 0
    pdt.assert_frame_equal(full[columns], past_only[columns])
    pdt.assert_frame_equal(full[columns], late[columns])


def test_label_is_a_first_opportunity_within_the_horizon_and_owners_of_older_ones_are_left_out(warehouse):
    labelled = _features(warehouse, CUTOFF, horizon=30)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        first = (
            conn.execute(
                "select contact_id, min(opportunity_created_at) from marts.fct_crm_outcomes where has_opportunity group by 1"
            )
            .df()
            .set_index("contact_id")
            .iloc[:, 0]
        )
    frame = labelled.set_index("contact_id")
    opened = first.reindex(frame.index)
    expected = ((opened >= CUTOFF) & (opened < CUTOFF + timedelta(days=30))).astype(float)
    assert frame[LABEL].sum() > 10
    pdt.assert_series_equal(frame[LABEL], expected, check_names=False)
    assert not set(first[first < CUTOFF].index) & set(frame.index), "already opportunities: sales own them"


def test_never_happened_is_a_gap_not_zero_days_and_counts_are_zero(warehouse):
    frame = _features(warehouse)
    no_lead = frame[frame["has_crm_lead"] == 0]
    assert no_lead["days_since_crm_lead"].isna().all()
    silent = frame[frame["n_events"] == 0]
    assert silent["days_since_last_event"].isna().all() and (silent["n_events_30d"] == 0).all()
    active = frame[frame["n_events"] > 0]
    assert (active["days_since_last_event"] >= 0).all() and (
        active["days_since_last_event"] <= active["days_since_first_event"]
    ).all()
    assert set(frame["industry"]) <= {"software", "pharma", "retail", "unknown"}


def test_contacts_who_refused_automated_decisions_are_not_in_snapshots(consenting_home):
    path = consenting_home / "warehouse.duckdb"
    frame = _features(path)
    with duckdb.connect(str(path), read_only=True) as conn:
        refused = {
            r[0]
            for r in conn.execute(
                "select contact_id from marts.dim_contacts where refused_automated_decisions"
            ).fetchall()
        }
    assert len(refused) > 50
    assert refused.isdisjoint(frame["contact_id"]) and len(frame) > 1000
    assert np.isfinite(frame[list(DEFAULT_FEATURES.numeric)].fillna(0).to_numpy()).all()


def _reference(path, cutoff) -> pd.DataFrame:
    """The snapshot with every distinct count as count(distinct ...): the definition the bitstrings replace."""
    with duckdb.connect(str(path), read_only=True) as conn:
        sql = snapshot_sql(DEFAULT_FEATURES, with_label=False, exclude_refused=refusal_available(conn))
        assert "bitstring_agg" not in sql
        return fetch(conn, sql, {"cutoff": cutoff}, cutoff)


def test_distinct_counts_as_bitstrings_equal_count_distinct(tmp_path, monkeypatch):
    frames = tables(Synthetic(contacts=800, seed=11))
    events = frames["fct_behaviors"]
    someone = events["contact_id"].iloc[0]
    edge = events[events["contact_id"] == someone].iloc[[0] * 4].copy()
    # an event without a channel (not counted), a type no one else has, and two at the 30-day window's edges
    edge["event_id"] = [f"edge{i}" for i in range(4)]
    edge["channel"] = [None, "web_forms", "email", "sms"]
    edge["event_type"] = ["page_viewed", "brand_new_type", "email_opened", "sms_clicked"]
    edge["occurred_at"] = [
        CUTOFF - timedelta(days=2),
        CUTOFF - timedelta(days=3),
        CUTOFF - timedelta(days=30),  # inside: 30 days old
        CUTOFF - timedelta(days=30, seconds=1),  # outside
    ]
    frames["fct_behaviors"] = pd.concat([events, edge], ignore_index=True)
    path = write(tmp_path / "warehouse.duckdb", frames)
    distinct = ["n_channels_30d", "active_days", "active_days_30d", "n_channels", "n_event_types"]
    with duckdb.connect(str(path), read_only=True) as conn:
        codings = code_ranges(conn, CUTOFF, DEFAULT_FEATURES)
    assert set(codings.ranges) == {"channel", "event_type", "day"}
    sql = snapshot_sql(DEFAULT_FEATURES, False, True, codings)
    assert sql.count("bitstring_agg") == len(distinct) and "count(distinct" not in sql

    reference = _reference(path, CUTOFF)
    assert reference.set_index("contact_id").loc[someone, "n_event_types"] > 1
    assert (reference["active_days_30d"] > 0).sum() > 50
    pdt.assert_frame_equal(_features(path)[reference.columns], reference)
    # a range wider than the bitstrings allow falls back to count(distinct), with the same result
    monkeypatch.setattr("ml.snapshots.DISTINCT_BITS_MAX", 5)
    with duckdb.connect(str(path), read_only=True) as conn:
        assert code_ranges(conn, CUTOFF, DEFAULT_FEATURES).ranges == {}
    pdt.assert_frame_equal(_features(path)[reference.columns], reference)


def test_fit_attributes_are_the_latest_observation_before_the_cutoff(tmp_path):
    """A contact's fit attribute is its latest value before the cutoff (ties: the greatest record id, then the
    greatest value), whether it was observed with one value or several."""
    frames = tables(Synthetic(contacts=300, seed=5))
    events = frames["fct_behaviors"]
    # contacts in the snapshot whatever their fit: active before the cutoff, never a CRM lead
    active = set(events.loc[events["occurred_at"] < CUTOFF, "contact_id"])
    ids = sorted(active - set(frames["fct_crm_outcomes"]["contact_id"]))[:4]
    assert len(ids) == 4
    day = timedelta(days=1)
    rows = [
        # changed industry: the later value, not the smaller or the more frequent one
        (ids[0], "a1", CUTOFF - 9 * day, "industry", "pharma"),
        (ids[0], "a2", CUTOFF - 8 * day, "industry", "pharma"),
        (ids[0], "a3", CUTOFF - 2 * day, "industry", "software"),
        (ids[0], "a4", CUTOFF + day, "industry", "retail"),  # after the cutoff: unknown then
        # two values observed at the same moment: the greater record id's
        (ids[1], "b2", CUTOFF - 3 * day, "industry", "software"),
        (ids[1], "b1", CUTOFF - 3 * day, "industry", "pharma"),
        # one value, observed three times
        (ids[2], "c1", CUTOFF - 7 * day, "company_size", "51-200"),
        (ids[2], "c2", CUTOFF - 6 * day, "company_size", "51-200"),
        (ids[2], "c3", CUTOFF - 5 * day, "company_size", "51-200"),
        # observed only after the cutoff
        (ids[3], "d1", CUTOFF + 2 * day, "industry", "pharma"),
    ]
    crafted = pd.DataFrame(
        rows, columns=["contact_id", "record_id", "observed_at", "attribute", "attribute_value"]
    )
    crafted["observation_id"] = crafted["record_id"] + ":" + crafted["attribute"]
    fit = frames["lead_fit_observations"]
    frames["lead_fit_observations"] = pd.concat(
        [fit[~fit["contact_id"].isin(ids)], crafted[fit.columns]], ignore_index=True
    )
    frame = _features(write(tmp_path / "warehouse.duckdb", frames)).set_index("contact_id")
    assert frame.loc[ids, "industry"].tolist() == ["software", "software", "unknown", "unknown"]
    assert frame.loc[ids, "company_size"].tolist() == ["unknown", "unknown", "51-200", "unknown"]
