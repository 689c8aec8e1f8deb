"""The probabilistic tier of identity resolution: Splink (Fellegi-Sunter) on DuckDB links deterministic parts
that share no identifier but look like one person: the same name plus company or city, phone numbers or emails
one typo apart.

Parameters (docs/identity.md explains them):
- m probabilities (how often each comparison level occurs between two parts of the same person) are fixed
  here, reviewed by hand, so a run's links do not depend on an EM fit;
- u probabilities (how often it occurs between two different people) are estimated from the data by random
  sampling with a fixed seed: a common name such as 王伟 agrees by chance far more often than a rare one, and
  name agreement is also adjusted by the name's frequency (term frequency adjustments);
- the prior (probability two random parts are one person) is estimated from exact name + company agreement.
A pair is linked when its match probability reaches the threshold (0.99 by default). Links are accepted from
the most probable down, and one that would give a contact more identifiers than identifier_types allows (two
crm_ids, two OpenIDs of one account, ...) is refused.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

import pandas as pd

from ml.identity.union_find import UnionFind

LINK_COLUMNS = ["part_key_l", "part_key_r", "cluster_key", "match_probability", "match_weight", "evidence"]
_SEPARATORS = re.compile(r"[\s.,·•()（）\-_/&'\"]+")
_COMPANY_SUFFIXES = re.compile(
    r"(有限责任公司|股份有限公司|有限公司|集团|公司|co ltd|coltd|limited|ltd|inc|corp|corporation|llc|gmbh)$"
)


@dataclass(frozen=True)
class MatchSettings:
    """The knobs of the probabilistic tier."""

    threshold: float = 0.99
    seed: int = 20261123
    u_sample_pairs: float = 2e6


def _key(text: object) -> str | None:
    if text is None or (isinstance(text, float) and text != text):
        return None
    key = _SEPARATORS.sub("", str(text).strip().lower())
    return key or None


def _company_key(text: object) -> str | None:
    key = _key(text)
    return (_COMPANY_SUFFIXES.sub("", key) or key) if key else None


def comparison_frame(candidates: pd.DataFrame) -> pd.DataFrame:
    """Gives the candidates (part_key, full_name, company, city, phone, email) with the normalised keys
    Splink compares: case, spaces and punctuation removed, company legal suffixes dropped."""
    frame = pd.DataFrame(
        {
            "part_key": candidates["part_key"].astype(str),
            "name_key": candidates["full_name"].map(_key),
            "company_key": candidates["company"].map(_company_key),
            "city_key": candidates["city"].map(_key),
            "phone": candidates["phone"].where(candidates["phone"].notna(), None),
            "email": candidates["email"].where(candidates["email"].notna(), None),
        }
    )
    return frame.sort_values("part_key", kind="stable").reset_index(drop=True)


def _settings():
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="part_key",
        blocking_rules_to_generate_predictions=[
            block_on("name_key", "company_key"),
            block_on("name_key", "city_key"),
            block_on("name_key", "substr(phone, 1, 9)"),
            block_on("name_key", "substr(email, 1, 4)"),
        ],
        comparisons=[
            # the same name is most of the evidence; 王伟 less than 欧阳子涵 (term frequencies)
            cl.JaroWinklerAtThresholds("name_key", [0.92]).configure(
                term_frequency_adjustments=True, m_probabilities=[0.88, 0.10, 0.02]
            ),
            cl.JaroWinklerAtThresholds("company_key", [0.88]).configure(m_probabilities=[0.80, 0.12, 0.08]),
            cl.ExactMatch("city_key").configure(m_probabilities=[0.85, 0.15]),
            # two parts of one person rarely share a phone (they would be one part): one typo apart is the
            # strong sign, a different number a mild one against (people have two phones)
            cl.LevenshteinAtThresholds("phone", [1]).configure(m_probabilities=[0.05, 0.55, 0.40]),
            cl.LevenshteinAtThresholds("email", [1]).configure(m_probabilities=[0.05, 0.50, 0.45]),
        ],
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
    )


def predict_pairs(frame: pd.DataFrame, settings: MatchSettings) -> pd.DataFrame:
    """Gives the scored pairs of parts (part_key_l, part_key_r, match_probability, match_weight, the compared
    values) at or above the threshold."""
    from splink import Linker, block_on
    from splink.backends.duckdb import DuckDBAPI

    db_api = DuckDBAPI()
    table = db_api.register(frame, table_name="identity_parts")
    linker = Linker(table, _settings(), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("name_key", "company_key")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=settings.u_sample_pairs, seed=settings.seed, num_chunks=1
    )
    scored = linker.inference.predict(
        threshold_match_probability=settings.threshold, warning_mode="never"
    ).as_pandas_dataframe()
    return scored


def _evidence(row: pd.Series) -> str:
    fields = ("name_key", "company_key", "city_key", "phone", "email")
    return json.dumps(
        {field: [row.get(f"{field}_l"), row.get(f"{field}_r")] for field in fields},
        ensure_ascii=False,
        default=str,
    )


class _Clusters(UnionFind):
    """Union-find over parts that refuses a union breaking a per-contact identifier limit."""

    def __init__(self, part_limits: pd.DataFrame):
        super().__init__()
        self.counts: dict[str, dict[tuple[str, str], int]] = {}
        self.maximum: dict[tuple[str, str], int] = {}
        for part, id_type, scope, n_values, max_per_contact in part_limits[
            ["part_key", "id_type", "limit_scope_value", "n_values", "max_per_contact"]
        ].itertuples(index=False):
            self.counts.setdefault(part, {})[(id_type, scope)] = int(n_values)
            self.maximum[(id_type, scope)] = int(max_per_contact)

    def union_within_limits(self, left: str, right: str) -> bool:
        a, b = self.find(left), self.find(right)
        if a == b:
            return False
        ca, cb = self.counts.get(a, {}), self.counts.get(b, {})
        merged = {k: ca.get(k, 0) + cb.get(k, 0) for k in ca.keys() | cb.keys()}
        if any(n > self.maximum[k] for k, n in merged.items()):
            return False
        root, child = (a, b) if a < b else (b, a)
        self.join(root, child)
        self.counts[root] = merged
        self.counts.pop(child, None)
        return True


def accept_links(pairs: pd.DataFrame, part_limits: pd.DataFrame) -> pd.DataFrame:
    """Gives the links kept, most probable first, skipping those that would break a per-contact limit or
    join parts already joined; cluster_key is the smallest part key of the cluster a link ends in."""
    if pairs.empty:
        return pd.DataFrame(columns=LINK_COLUMNS)
    ordered = pairs.assign(
        lo=pairs[["part_key_l", "part_key_r"]].min(axis=1), hi=pairs[["part_key_l", "part_key_r"]].max(axis=1)
    ).sort_values(["match_probability", "lo", "hi"], ascending=[False, True, True], kind="stable")
    clusters = _Clusters(part_limits)
    kept = []
    for row in ordered.itertuples(index=False):
        if clusters.union_within_limits(row.lo, row.hi):
            kept.append(row)
    links = pd.DataFrame(kept, columns=ordered.columns)
    return pd.DataFrame(
        {
            "part_key_l": links["lo"],
            "part_key_r": links["hi"],
            "cluster_key": [clusters.find(p) for p in links["lo"]],
            "match_probability": links["match_probability"].astype(float),
            "match_weight": links["match_weight"].astype(float),
            "evidence": [_evidence(row) for _, row in links.iterrows()],
        },
        columns=LINK_COLUMNS,
    )


def probabilistic_links(
    candidates: pd.DataFrame, part_limits: pd.DataFrame, settings: MatchSettings | None = None
) -> pd.DataFrame:
    """Gives the accepted links between deterministic parts (LINK_COLUMNS), none when fewer than two parts."""
    settings = settings or MatchSettings()
    if len(candidates) < 2:
        return pd.DataFrame(columns=LINK_COLUMNS)
    pairs = predict_pairs(comparison_frame(candidates), settings)
    return accept_links(pairs, part_limits)
