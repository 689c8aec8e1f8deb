"""The kept behaviour features: a run that carries them on from the previous one gives the same features, bit for
bit, as a snapshot that aggregates every event again, while computing only the contacts that changed."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pandas.testing as pdt
import pytest

from ml.feature_state import STATE, current_snapshot, fit_is_current, window_edges
from ml.features import BY_NAME, DEFAULT_FEATURES, Feature, FeatureSet
from ml.snapshots import FIT_LATEST, aggregated, snapshot
from tests.scoring.synthetic_warehouse import Synthetic, tables, write

C0 = datetime(2026, 9, 8, 6, 30)
C1 = C0 + timedelta(days=1, hours=7)
COLUMNS = ["contact_id", *DEFAULT_FEATURES.columns]
SUMS = ["webinar_minutes", "webinar_minutes_90d", "offline_session_minutes"]


def assert_same(carried: pd.DataFrame, full: pd.DataFrame) -> None:
    """Every feature bit for bit, but sums of minutes: DuckDB adds doubles in the order its threads meet the
    rows, which may differ between two full snapshots too."""
    pdt.assert_frame_equal(carried.drop(columns=SUMS), full.drop(columns=SUMS), check_exact=True)
    pdt.assert_frame_equal(carried[SUMS], full[SUMS], check_exact=False, rtol=1e-12, atol=0)


def _event(frames, event_id: str, contact_id: str, occurred_at: datetime) -> pd.DataFrame:
    row = frames["fct_behaviors"].iloc[[0]].copy()
    return row.assign(event_id=event_id, contact_id=contact_id, occurred_at=occurred_at)


def _with_events(frames, *rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
    out = dict(frames)
    out["fct_behaviors"] = pd.concat([frames["fct_behaviors"], *rows], ignore_index=True)
    return out


def _both(path, cutoff, features=DEFAULT_FEATURES):
    """The carried-on snapshot with what its refresh did, and a snapshot from every event, at `cutoff`."""
    with duckdb.connect(str(path)) as conn:
        carried, done = current_snapshot(conn, cutoff, features)
        full = snapshot(conn, cutoff, features)
    return carried, done, full


def _changed_overnight(frames, first: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The warehouse a day later: a late event, a corrected event, one contact merged into another, one erased,
    each of contacts in the first snapshot never a CRM lead (so in the next one too). Gives the tables and
    which contact each change touched."""
    events = frames["fct_behaviors"].copy()
    # quiet: nothing else would make them computed again (no event between the cutoffs or at a window's edge)
    spans = [(C0, C1)] + [
        (C0 - timedelta(days=d, seconds=1), C1 - timedelta(days=d)) for d in (7, 14, 30, 60, 90)
    ]
    busy = {
        c for low, high in spans for c in events.loc[events["occurred_at"].between(low, high), "contact_id"]
    }
    before = set(events.loc[events["occurred_at"] < C0, "contact_id"])
    ids = sorted(before & set(first.loc[first["has_crm_lead"] == 0, "contact_id"]) - busy - {"edge"})
    late, corrected, merged, survivor, erased = ids[:5]
    first = events.index[(events["contact_id"] == corrected) & (events["occurred_at"] < C0)][0]
    events.loc[first, ["event_type", "event_detail", "channel"]] = [
        "form_submitted",
        "demo_request",
        "web_forms",
    ]
    events = events[events["contact_id"] != erased]
    out = {name: frame[~frame["contact_id"].isin([erased, merged])] for name, frame in frames.items()}
    for name in ("lead_fit_observations", "fct_crm_outcomes"):
        out[name] = frames[name].replace({"contact_id": {merged: survivor}})
        out[name] = out[name][out[name]["contact_id"] != erased]
    events.loc[events["contact_id"] == merged, "contact_id"] = survivor
    out["fct_behaviors"] = pd.concat(
        [events, _event(frames, "late1", late, C0 - timedelta(days=10))], ignore_index=True
    )
    return out, {
        "late": late,
        "corrected": corrected,
        "merged": merged,
        "survivor": survivor,
        "erased": erased,
    }


def test_a_day_later_the_carried_features_equal_a_full_snapshot(tmp_path):
    frames = tables(Synthetic(contacts=1500, seed=3))
    # someone whose only change overnight is an event leaving the 30-day window
    frames = _with_events(
        frames, _event(frames, "edge1", "edge", C0 - timedelta(days=30) + timedelta(hours=1))
    )
    path = write(tmp_path / "warehouse.duckdb", frames)

    first, done, full = _both(path, C0)
    assert done.rebuilt == "no state" and done.recomputed > 1000
    assert_same(first[COLUMNS], full[COLUMNS])

    changed, who = _changed_overnight(frames, first)
    write(path, changed)
    carried, done, full = _both(path, C1)
    assert done.rebuilt is None and done.dropped == 2  # merged away, erased
    assert 0 < done.recomputed < done.kept and 0 < done.windows_moved < done.kept
    assert_same(carried[COLUMNS], full[COLUMNS])

    # the changes did change what the test compares
    at0, at1 = first.set_index("contact_id"), carried.set_index("contact_id")
    assert at0.loc["edge", "n_events_30d"] == 1 and at1.loc["edge", "n_events_30d"] == 0
    assert at1.loc["edge", "n_events"] == at0.loc["edge", "n_events"] == 1
    assert at1.loc[who["late"], "n_events"] == at0.loc[who["late"], "n_events"] + 1
    assert at1.loc[who["corrected"], "n_demo_requests"] == at0.loc[who["corrected"], "n_demo_requests"] + 1
    assert at1.loc[who["survivor"], "n_events"] > at0.loc[who["survivor"], "n_events"]
    assert who["erased"] not in at1.index and who["merged"] not in at1.index
    both = at1.index.intersection(at0.index)
    unchanged = both[at1.loc[both, "n_events"] == at0.loc[both, "n_events"]]
    # "days since" moved for everyone without new events, by the time between the runs
    moved = at1.loc[unchanged, "days_since_last_event"] - at0.loc[unchanged, "days_since_last_event"]
    assert moved.dropna().between(1.29, 1.30).all() and moved.notna().sum() > 1000


def test_a_second_run_at_the_same_cutoff_computes_nothing_again(tmp_path):
    path = write(tmp_path / "warehouse.duckdb", tables(Synthetic(contacts=400, seed=4)))
    _both(path, C0)
    carried, done, full = _both(path, C0)
    assert (done.rebuilt, done.recomputed, done.dropped) == (None, 0, 0) and done.kept > 300
    assert_same(carried[COLUMNS], full[COLUMNS])


def test_the_state_is_rebuilt_for_other_features_or_an_earlier_cutoff(tmp_path):
    path = write(tmp_path / "warehouse.duckdb", tables(Synthetic(contacts=400, seed=5)))
    _both(path, C1)
    _, done, _ = _both(path, C0)
    assert done.rebuilt.startswith(f"cutoff {C0} is before")
    fewer = FeatureSet(DEFAULT_FEATURES.numeric[1:], DEFAULT_FEATURES.categorical)
    carried, done, full = _both(path, C0, fewer)
    assert done.rebuilt == "features changed"
    assert_same(carried, full)
    with duckdb.connect(str(path), read_only=True) as conn:
        kept = {r[0] for r in conn.execute(f"describe {STATE}").fetchall()}
    assert DEFAULT_FEATURES.numeric[0] not in kept and DEFAULT_FEATURES.numeric[1] in kept


def test_every_age_the_catalogue_reads_is_a_window_edge_or_a_days_since(monkeypatch):
    assert window_edges(DEFAULT_FEATURES) == [7, 14, 30, 60, 90]
    since = [
        f.name for f in aggregated(DEFAULT_FEATURES) if f.sql.startswith(("min(age_days)", "max(age_days)"))
    ]
    assert len(since) > 10 and all(name.startswith("days_since") for name in since)
    odd = Feature("mean_age", "avg(age_days)", "activity")
    monkeypatch.setitem(BY_NAME, "mean_age", odd)
    assert window_edges(FeatureSet(("n_events", "mean_age"), ())) is None


@pytest.mark.parametrize("condition", ["age_days <= 30", "channel = 'email'"])
def test_days_since_with_a_condition_on_age_is_not_read_as_an_epoch(condition):
    from ml.feature_state import _since

    got = _since(Feature("x", f"min(age_days) filter (where {condition})", "recency"))
    assert (got is None) == ("age_days" in condition)


def test_the_fit_as_dbt_keeps_it_is_read_while_it_is_the_fit_at_the_cutoff(tmp_path):
    frames = tables(Synthetic(contacts=400, seed=6))
    path = write(tmp_path / "warehouse.duckdb", frames)
    cutoff = frames["lead_fit_observations"]["observed_at"].max() + timedelta(seconds=1)
    with duckdb.connect(str(path)) as conn:
        assert not fit_is_current(conn, cutoff)  # no int_lead_fit_current
        conn.execute("create schema intermediate")
        conn.execute(
            "create table intermediate.int_lead_fit_current as "
            "select contact_id, attribute, attribute_value, max(observed_at) as observed_at "
            f"from ({FIT_LATEST.replace('as attribute_value', 'as attribute_value, max(observed_at) as observed_at')}) "
            "group by all",
            {"cutoff": cutoff},
        )
        assert fit_is_current(conn, cutoff) and not fit_is_current(conn, cutoff - timedelta(seconds=2))
        carried, _ = current_snapshot(conn, cutoff, DEFAULT_FEATURES)
        assert_same(carried, snapshot(conn, cutoff, DEFAULT_FEATURES))
        # read, not recomputed: a value only the kept table has shows in the snapshot
        someone = carried["contact_id"].iloc[0]
        conn.execute(
            "update intermediate.int_lead_fit_current set attribute_value = 'kept' where contact_id = ?",
            [someone],
        )
        assert current_snapshot(conn, cutoff, DEFAULT_FEATURES)[0]["industry"].iloc[0] == "kept"
        # stale: built before the newest observation
        conn.execute(
            "update intermediate.int_lead_fit_current set observed_at = observed_at - interval 1 day"
        )
        assert not fit_is_current(conn, cutoff)
