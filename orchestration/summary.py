"""`yuchi-demo-summary`: prints what a run produced, in words a person reads after `make demo`."""

from __future__ import annotations

import argparse

import duckdb
import sqlalchemy as sa

from connectors.settings import resolve_paths
from connectors.warehouse_gate import warehouse_gate

LAYERS = ("raw", "quarantine", "staging", "intermediate", "marts", "activation")


def _tables(conn: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = conn.execute(
        "select table_name from information_schema.tables where table_schema = ? and table_name not like '\\_%' "
        "escape '\\' order by 1",
        [schema],
    ).fetchall()
    return [r[0] for r in rows]


def render(home: str | None = None) -> str:
    """Gives the summary text of the warehouse under YUCHI_HOME."""
    paths = resolve_paths(home)
    out: list[str] = []
    with (
        warehouse_gate(paths.warehouse, shared=True),
        duckdb.connect(str(paths.warehouse), read_only=True) as conn,
    ):
        out.append("Rows per layer")
        for schema in LAYERS:
            for table in _tables(conn, schema):
                count = conn.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
                out.append(f"  {schema}.{table:<34} {count:>9,}")
        contacts, identifiers = conn.execute(
            "select (select count(*) from marts.dim_contacts), (select count(*) from marts.contact_identifiers)"
        ).fetchone()
        mqls, qualified = conn.execute(
            "select count(*) filter (where lifecycle_stage = 'mql'), count(*) from marts.lead_scores where is_mql"
        ).fetchone()
        out.append(f"\nContacts resolved: {contacts:,} from {identifiers:,} identifiers")
        out.append(
            f"MQLs (new to sales): {mqls:,} of {contacts:,} contacts; {qualified:,} meet the MQL thresholds, "
            f"{qualified - mqls:,} of them already worked by sales (sql, opportunity, customer)"
        )
        stages = conn.execute(
            "select lifecycle_stage, count(*) from marts.lead_scores group by 1 order by 2 desc"
        ).fetchall()
        out.append("Lifecycle stages: " + ", ".join(f"{s} {n:,}" for s, n in stages))
        out.append("\nTop 10 leads")
        top = conn.execute(
            "select s.contact_id, coalesce(c.full_name, '?'), coalesce(c.company, '?'), s.total_score, "
            "s.lifecycle_stage, s.score_explanation, p.probability, p.top_factors "
            "from marts.lead_scores s join marts.dim_contacts c using (contact_id) "
            "left join marts.predicted_lead_scores p using (contact_id) "
            "order by s.total_score desc, s.contact_id limit 10"
        ).fetchall()
        for cid, name, company, total, stage, why, prob, factors in top:
            predicted = f"{prob:.0%}" if prob is not None else "n/a"
            out.append(f"  {total:>5.0f}  {name} ({company}) [{stage}] predicted {predicted}  {cid}")
            out.append(f"         rules: {why}")
            if factors:
                out.append(f"         model: {factors}")
        if "segment_memberships" in _tables(conn, "marts"):
            sizes = conn.execute(
                "select segment, count(*) from marts.segment_memberships group by 1"
            ).fetchall()
            out.append("\nSegments: " + ", ".join(f"{s} {n:,}" for s, n in sizes))
        else:
            out.append(f"\nSegments: MQL (sales) {mqls:,}, nurture {contacts - mqls:,}")
        runs = (
            conn.execute(
                "select destination, planned, created, updated, unchanged from activation.sync_runs "
                "order by finished_at desc limit 1"
            ).fetchall()
            if "sync_runs" in _tables(conn, "activation")
            else []
        )
    for destination, planned, created, updated, unchanged in runs:
        out.append(
            f"Records synced to {destination}: {planned:,} planned, {created:,} created, "
            f"{updated:,} updated, {unchanged:,} unchanged"
        )
    engine = sa.create_engine(paths.crm_url)
    try:
        with engine.connect() as crm:
            leads = crm.execute(sa.text("select count(*) from leads")).scalar_one()
        out.append(f"Leads in the light CRM: {leads:,}")
    except sa.exc.SQLAlchemyError:
        out.append("Leads in the light CRM: none yet")
    finally:
        engine.dispose()
    out.append("\nWhere the files are")
    out.append(f"  landing:    {paths.landing}")
    out.append(f"  warehouse:  {paths.warehouse}")
    out.append(f"  light CRM:  {paths.crm_url}")
    out.append(f"  models:     {paths.models}")
    out.append(f"  truth:      {paths.ground_truth}  (demo only; the pipeline never reads it)")
    out.append("\nOpen the Dagster UI: make ui  (then http://127.0.0.1:3000)")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="yuchi-demo-summary", description=__doc__)
    parser.add_argument("--home", help="YUCHI_HOME (default: $YUCHI_HOME or .yuchi/)")
    print(render(parser.parse_args(argv).home))


if __name__ == "__main__":
    main()
