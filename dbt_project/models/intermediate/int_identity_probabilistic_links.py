"""The probabilistic tier (DuckDB only): Splink links between deterministic parts (ml.identity.probabilistic).

Off by default: with var identity_probabilistic_sources empty there are no candidates and no links. Each link
keeps its match probability and the compared values; contact_merges records it.
"""

from ml.identity.probabilistic import MatchSettings, probabilistic_links


def model(dbt, session):
    dbt.config(materialized="table")
    candidates = dbt.ref("int_identity_match_candidates").df()
    limits = (
        dbt.ref("int_identity_parts")
        .join(dbt.ref("identifier_types").select("id_type, max_per_contact, limit_scope"), "id_type")
        .aggregate(
            "part_key, id_type, "
            "case when limit_scope = 'prefix' then split_part(id_value, ':', 1) else '' end as limit_scope_value, "
            "count(*) as n_values, min(max_per_contact) as max_per_contact",
            "part_key, id_type, limit_scope_value",
        )
        .df()
    )
    settings = MatchSettings(threshold=float(dbt.config.get("threshold")))
    links = probabilistic_links(candidates, limits[limits["part_key"].isin(candidates["part_key"])], settings)
    return links.astype(
        {
            "part_key_l": "string",
            "part_key_r": "string",
            "cluster_key": "string",
            "evidence": "string",
            "match_probability": "float64",
            "match_weight": "float64",
        }
    )
