"""Who is in which segment and tag now, and when each entered and left.

marts.segment_memberships holds the current members (one row per segment and contact, with when they
entered); marts.segment_membership_history keeps every stay (entered_at, exited_at, the runs that saw it).
The asset's metadata shows sizes, entries and exits, overlaps between segments and a preview of members.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import dagster as dg
import duckdb

from orchestration.activation.segments import SegmentSpec
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

MEMBERSHIPS = dg.AssetKey(["marts", "segment_memberships"])
DDL = (
    "create schema if not exists marts",
    """create table if not exists marts.segment_memberships (
        segment varchar not null, kind varchar not null, contact_id varchar not null, entered_at timestamp not null,
        primary key (segment, contact_id))""",
    """create table if not exists marts.segment_membership_history (
        segment varchar not null, kind varchar not null, contact_id varchar not null,
        entered_at timestamp not null, exited_at timestamp, entered_run_id varchar, exited_run_id varchar)""",
)


def update_memberships(
    conn: duckdb.DuckDBPyConnection, specs: Sequence[SegmentSpec], run_id: str
) -> list[dict]:
    """Brings the membership tables in line with the segment models; gives per segment: size, entered, exited."""
    for statement in DDL:
        conn.execute(statement)
    now = datetime.now(UTC).replace(tzinfo=None)
    selects = [f"select '{s.name}' as segment, '{s.kind}' as kind, contact_id from {s.table}" for s in specs]
    current = (
        " union all ".join(selects)
        if selects
        else "select null segment, null kind, null contact_id where false"
    )
    conn.execute("begin transaction")
    try:
        conn.execute(f"create or replace temp table _current as select distinct * from ({current})")
        exits = conn.execute(
            """
            select m.segment, count(*) from marts.segment_memberships m
            anti join _current c on c.segment = m.segment and c.contact_id = m.contact_id group by 1
            """
        ).fetchall()
        entries = conn.execute(
            """
            select c.segment, count(*) from _current c
            anti join marts.segment_memberships m on c.segment = m.segment and c.contact_id = m.contact_id group by 1
            """
        ).fetchall()
        conn.execute(
            """
            update marts.segment_membership_history h set exited_at = ?, exited_run_id = ?
            where h.exited_at is null and not exists (
                select 1 from _current c where c.segment = h.segment and c.contact_id = h.contact_id)
            """,
            [now, run_id],
        )
        conn.execute(
            """
            insert into marts.segment_membership_history
            select c.segment, c.kind, c.contact_id, ?, null, ?, null from _current c
            anti join marts.segment_memberships m on c.segment = m.segment and c.contact_id = m.contact_id
            """,
            [now, run_id],
        )
        conn.execute(
            """
            delete from marts.segment_memberships m where not exists (
                select 1 from _current c where c.segment = m.segment and c.contact_id = m.contact_id)
            """
        )
        conn.execute(
            """
            insert into marts.segment_memberships
            select c.segment, c.kind, c.contact_id, ? from _current c
            anti join marts.segment_memberships m on c.segment = m.segment and c.contact_id = m.contact_id
            """,
            [now],
        )
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
    entered, exited = dict(entries), dict(exits)
    sizes = dict(
        conn.execute("select segment, count(*) from marts.segment_memberships group by 1").fetchall()
    )
    return [
        {"segment": s.name, "kind": s.kind, "members": sizes.get(s.name, 0), "entered": entered.get(s.name, 0),
         "exited": exited.get(s.name, 0)}
        for s in specs
    ]  # fmt: skip


def overlaps(conn: duckdb.DuckDBPyConnection, names: Sequence[str]) -> str:
    """Gives a Markdown matrix of how many contacts each pair of segments/tags share."""
    pairs = dict(
        ((a, b), n)
        for a, b, n in conn.execute(
            """
            select a.segment, b.segment, count(*) from marts.segment_memberships a
            join marts.segment_memberships b on a.contact_id = b.contact_id group by 1, 2
            """
        ).fetchall()
    )
    header = "| | " + " | ".join(names) + " |\n|---|" + "---|" * len(names)
    rows = [f"| **{a}** | " + " | ".join(str(pairs.get((a, b), 0)) for b in names) + " |" for a in names]
    return "\n".join([header, *rows])


def preview(conn: duckdb.DuckDBPyConnection, per_segment: int = 3) -> str:
    frame = conn.execute(
        f"""
        select m.segment, m.contact_id, c.full_name, c.company, c.title, m.entered_at
        from marts.segment_memberships m left join marts.dim_contacts c using (contact_id)
        qualify row_number() over (partition by m.segment order by m.entered_at desc, m.contact_id) <= {per_segment}
        order by m.segment, m.contact_id
        """
    ).df()
    return frame.to_markdown(index=False) if not frame.empty else "_no members_"


def build_memberships_asset(specs: Sequence[SegmentSpec]) -> dg.AssetsDefinition:
    """Gives the asset that records segment and tag membership changes."""

    @dg.asset(
        key=MEMBERSHIPS,
        deps=[s.asset_key for s in specs],
        group_name="activation",
        kinds={"duckdb"},
        pool=WAREHOUSE_POOL,
        automation_condition=dg.AutomationCondition.eager(),
        owners=["team:analytics-engineering"],
    )
    def segment_memberships(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        """Records who entered and left each segment and tag (marts.segment_membership_history) and who is in
        them now (marts.segment_memberships), so marketers can see how a segment moves, not just its size."""
        with warehouse.connect() as conn:
            changes = update_memberships(conn, specs, context.run_id)
            names = [s.name for s in specs]
            table = "\n".join(
                ["| segment | kind | members | entered | exited |", "|---|---|---|---|---|"]
                + [
                    f"| {c['segment']} | {c['kind']} | {c['members']} | {c['entered']} | {c['exited']} |"
                    for c in changes
                ]
            )
            metadata = {
                "dagster/row_count": dg.MetadataValue.int(sum(c["members"] for c in changes)),
                "sizes": dg.MetadataValue.json({c["segment"]: c["members"] for c in changes}),
                "changes": dg.MetadataValue.md(table),
                "overlaps": dg.MetadataValue.md(overlaps(conn, names) if names else "_no segments_"),
                "preview": dg.MetadataValue.md(preview(conn) if names else "_no segments_"),
            }
        for change in changes:
            context.log.info(
                f"{change['segment']}: {change['members']} members, +{change['entered']} -{change['exited']}"
            )
        return dg.MaterializeResult(metadata=metadata)

    return segment_memberships
