"""A small warehouse with the marts the propensity model reads, where conversion follows behaviour: fast
fixtures for the ml package and its assets (no dbt, no generator)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

START = datetime(2026, 6, 1)
DAYS = 150


@dataclass(frozen=True)
class Synthetic:
    """How many contacts, which seed, and whether dim_contacts carries refused_automated_decisions."""

    contacts: int = 3000
    seed: int = 0
    refused_share: float | None = None  # None: no consent column at all (before identity adds it)
    signal: bool = True  # False: conversions are random, a model can learn nothing


def _at(rng: np.random.Generator, n: int, low: float = 0, high: float = DAYS) -> pd.Series:
    return pd.Series([START + timedelta(days=float(d)) for d in rng.uniform(low, high, n)])


def tables(spec: Synthetic) -> dict[str, pd.DataFrame]:
    """Gives the mart tables: dim_contacts, fct_behaviors, lead_fit_observations, fct_crm_outcomes."""
    rng = np.random.default_rng(spec.seed)
    ids = np.array([f"c{i:05d}" for i in range(spec.contacts)])
    intent = rng.beta(1.0, 4.0, spec.contacts)
    industry = rng.choice(["software", "pharma", "retail"], spec.contacts, p=[0.4, 0.2, 0.4])
    contacts = pd.DataFrame({"contact_id": ids})
    if spec.refused_share is not None:
        contacts["refused_automated_decisions"] = rng.random(spec.contacts) < spec.refused_share
    per_contact = rng.poisson(1 + 12 * intent)
    owner = np.repeat(np.arange(spec.contacts), per_contact)
    n = len(owner)
    kind = np.where(
        rng.random(n) < 0.15 + 0.5 * intent[owner],
        rng.choice(["demo", "pricing", "webinar"], n),
        rng.choice(["wechat", "page", "form"], n),
    )
    mapping = {
        "demo": ("web_forms", "form_submitted", "demo_request"),
        "form": ("web_forms", "form_submitted", "whitepaper_lab"),
        "pricing": ("web_tracking", "page_viewed", "/pricing"),
        "page": ("web_tracking", "page_viewed", "/blog/1"),
        "webinar": ("webinars", "webinar_attended", "wb1"),
        "wechat": ("wechat", "wechat_article_viewed", "https://mp.example.cn/a/1"),
    }
    behaviours = pd.DataFrame(
        {
            "event_id": [f"e{i:07d}" for i in range(n)],
            "contact_id": ids[owner],
            "channel": [mapping[k][0] for k in kind],
            "event_type": [mapping[k][1] for k in kind],
            "event_detail": [mapping[k][2] for k in kind],
            "minutes": np.where(kind == "webinar", rng.uniform(5, 90, n).round(1), np.nan),
            "occurred_at": _at(rng, n),
        }
    )
    observed = _at(rng, spec.contacts, 0, DAYS * 0.7)
    fit = pd.DataFrame(
        {
            "observation_id": [f"r{i}:industry" for i in range(spec.contacts)],
            "contact_id": ids,
            "record_id": [f"r{i}" for i in range(spec.contacts)],
            "observed_at": observed,
            "attribute": "industry",
            "attribute_value": industry,
        }
    )
    # a CRM lead after the contact's first hand-raise; an opportunity weeks later, likelier with intent and fit
    hand_raises = behaviours[behaviours["event_detail"].isin(["demo_request", "/pricing"])]
    first = hand_raises.groupby("contact_id")["occurred_at"].min()
    leads = first.index.to_numpy()
    index = pd.Index(ids).get_indexer(leads)
    created = first.to_numpy() + pd.to_timedelta(rng.uniform(0, 3, len(leads)), unit="D")
    logit = -2.5 + 5 * intent[index] + 1.2 * (industry[index] == "software")
    converts = rng.random(len(leads)) < (1 / (1 + np.exp(-logit)) if spec.signal else 0.3)
    opportunity = created + pd.to_timedelta(rng.uniform(2, 40, len(leads)), unit="D")
    opened = converts & (opportunity < np.datetime64(START + timedelta(days=DAYS)))
    outcomes = pd.DataFrame(
        {
            "crm_id": [f"00Q{i:09d}" for i in range(len(leads))],
            "contact_id": leads,
            "status": np.where(opened, "opportunity", "open"),
            "lead_created_at": created,
            "opportunity_created_at": pd.Series(opportunity).where(opened),
            "closed_at": pd.Series(pd.NaT, index=range(len(leads)), dtype="datetime64[us]"),
            "amount": np.nan,
            "has_opportunity": opened,
            "is_won": False,
        }
    )
    return {
        "dim_contacts": contacts,
        "fct_behaviors": behaviours,
        "lead_fit_observations": fit,
        "fct_crm_outcomes": outcomes,
    }


def write(path: Path, frames: dict[str, pd.DataFrame]) -> Path:
    """Writes the tables into marts.* of a DuckDB file at `path`; gives the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema if not exists marts")
        for name, frame in frames.items():
            conn.register("_frame", frame)
            conn.execute(f"create or replace table marts.{name} as select * from _frame")
            conn.unregister("_frame")
    return path


def build(path: Path, spec: Synthetic = Synthetic()) -> Path:
    """Writes a synthetic warehouse; gives its path."""
    return write(path, tables(spec))
