"""A daily (incremental) dbt build ends with the same tables as a full refresh, and stages only what is new.

Staging models are incremental (macros/first_landing.sql), and so is the identity graph, recomputed only around
what is new (int_identity_scope). The test holds back a quarter of every raw table's rows and a few more, builds,
then lands the quarter with a later load time together with re-exports of rows staged already (a source sending
the same records again), and builds again; then lands the few and builds a third time, a small daily run; then
erases one identifier of a contact that has others and builds a fourth time. A copy of the warehouse
rebuilt with `--full-refresh` must hold the same staging tables, identity graph and marts. A probe
copy shows the second run appends: a marker written into a staged row before it survives, which a rebuild would
erase.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from unittest import mock

import duckdb
import pytest

from connectors.destinations import erasure
from tests.platform.dbt_runs import dbt
from tests.platform.marts_comparison import fetch_table, table_differences

HELD_BACK = {"held_back": "_source_line % 4 = 0", "held_back_late": "_source_line % 50 = 1"}
RE_EXPORTED = "_source_line % 7 = 1"
MARKER = "marker: staged before the incremental run"
PROBED = "staging.stg_web_forms__submissions"
SCOPE = "intermediate.int_identity_scope"
STAGE_SCOPE = "intermediate.int_lead_stage_scope"
STALE_ON_PURPOSE = (
    "marts.lead_score_events",
    "marts.lead_fit_observations",
    "intermediate.int_lead_stage_entries",
    "intermediate.int_lead_engagement_totals",
    "intermediate.int_lead_fit_current",
)
"""Tables whose rows carry the score definition they were derived under: before the fourth build one row of
each gets another, as after an edit to a scoring rule, and the fourth build must recompute all of them."""
SCOPES = {SCOPE, "intermediate.int_records_scope", STAGE_SCOPE}
"""What the last run recomputed: everything, in a full refresh."""
RUN_HISTORY = {
    "intermediate.int_identity_assignments": {
        "generation",
        "changed_generation",
        "last_change",
        "previous_contact_id",
    }
}
"""Columns that count the runs of a model that remembers them (stable contact ids are never rebuilt, so the
rebuilt copy has seen one run more): equal contact ids are what matters there."""


def _raw_tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'raw' "
            "and table_name not like '\\_%' escape '\\' order by 1"
        ).fetchall()
    ]


def _hold_back(conn: duckdb.DuckDBPyConnection) -> None:
    """Keeps the loader's tables only (ingest built staging too), then moves a quarter of raw aside, and a
    fiftieth more for a later day."""
    built = conn.execute(
        "select schema_name from information_schema.schemata where catalog_name = current_database() "
        "and schema_name not in ('raw', 'quarantine', 'main')"
    ).fetchall()
    for (schema,) in built:
        conn.execute(f"drop schema {schema} cascade")
    for schema, condition in HELD_BACK.items():
        conn.execute(f"create schema {schema}")
        for table in _raw_tables(conn):
            conn.execute(f"create table {schema}.{table} as select * from raw.{table} where {condition}")
            conn.execute(f"delete from raw.{table} where {condition}")


def _land_later(conn: duckdb.DuckDBPyConnection, held_back: str = "held_back", days: int = 1) -> int:
    """Puts the held-back rows back as a load `days` later, plus a re-export of some rows staged already (same
    records, another file); gives the number of rows landed."""
    landed = 0
    for table in _raw_tables(conn):
        later = f"_loaded_at + interval {days} day"
        conn.execute(
            f"insert into raw.{table} select * replace ({later} as _loaded_at, "
            f"_source_file || '.re-export' as _source_file) from raw.{table} where {RE_EXPORTED}"
        )
        conn.execute(
            f"insert into raw.{table} select * replace ({later} as _loaded_at) from {held_back}.{table}"
        )
        landed += conn.execute(f"select count(*) from {held_back}.{table}").fetchone()[0]
    conn.execute(f"drop schema {held_back} cascade")
    return landed


def _without(table: tuple[list[str], list[tuple]], dropped: set[str]) -> tuple[list[str], list[tuple]]:
    columns, rows = table
    keep = [i for i, name in enumerate(columns) if name not in dropped]
    return [columns[i] for i in keep], [tuple(row[i] for i in keep) for row in rows]


def _tables(conn: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = conn.execute(
        "select table_name from information_schema.tables where table_schema = ? order by 1", [schema]
    ).fetchall()
    return [name for (name,) in rows]


@pytest.fixture(scope="module")
def builds(ingested_home, tmp_path_factory):
    """A daily warehouse (a build, rows landed later, a second build, a few more rows, a third build, an erasure,
    a fourth build) and a copy of it rebuilt in full; and a probe: a copy taken after the first build whose
    staged row got a marker before its second (staging) run."""
    workdir = tmp_path_factory.mktemp("incremental")
    daily, probe, rebuilt = workdir / "daily", workdir / "probe", workdir / "rebuilt"
    daily.mkdir()
    shutil.copy(ingested_home / "warehouse.duckdb", daily / "warehouse.duckdb")
    with duckdb.connect(str(daily / "warehouse.duckdb")) as conn:
        _hold_back(conn)
    started = datetime.now()
    _build(["build"], daily, workdir)

    probe.mkdir()
    shutil.copy(daily / "warehouse.duckdb", probe / "warehouse.duckdb")
    with duckdb.connect(str(probe / "warehouse.duckdb")) as conn:
        staged_before = conn.execute(f"select count(*) from {PROBED}").fetchone()[0]
        conn.execute(
            f"update {PROBED} set full_name = ? where record_id = (select min(record_id) from {PROBED})",
            [MARKER],
        )
        _land_later(conn)
    _build(["run", "--select", PROBED.split(".")[1]], probe, workdir)

    with duckdb.connect(str(daily / "warehouse.duckdb")) as conn:
        edges_first_run = _as_built_before_edge_keys_were_retired(conn)
        landed = _land_later(conn)
    _build(["build"], daily, workdir)
    with duckdb.connect(str(daily / "warehouse.duckdb"), read_only=True) as conn:
        edges_second_run = _edge_columns_and_runs(conn)
    with duckdb.connect(str(daily / "warehouse.duckdb")) as conn:
        _land_later(conn, "held_back_late", days=2)
    _build(["build"], daily, workdir)
    third_run = _last_run_figures(daily / "warehouse.duckdb")
    with duckdb.connect(str(daily / "warehouse.duckdb")) as conn:
        erased = _erase_one_identifier_of_a_linked_contact(conn)
        for table in STALE_ON_PURPOSE:
            conn.execute(
                f"update {table} set scoring_version = 'an earlier definition' where rowid = (select min(rowid) from {table})"
            )
    _build(["build"], daily, workdir)
    fourth_run = _last_run_figures(daily / "warehouse.duckdb")
    rebuilt.mkdir()
    shutil.copy(daily / "warehouse.duckdb", rebuilt / "warehouse.duckdb")
    _build(["build", "--full-refresh"], rebuilt, workdir)
    return {
        "daily": daily,
        "probe": probe,
        "rebuilt": rebuilt,
        "started": started,
        "staged_before": staged_before,
        "landed": landed,
        "third_run": third_run,
        "fourth_run": fourth_run,
        "erased": erased,
        "edges_first_run": edges_first_run,
        "edges_second_run": edges_second_run,
    }


def _as_built_before_edge_keys_were_retired(conn: duckdb.DuckDBPyConnection) -> tuple[set[str], dict]:
    """Gives int_identity_edges the edge_key column Yuchi wrote before 2026-12-07; returns its columns, and its
    rows by the run that added them."""
    conn.execute("alter table intermediate.int_identity_edges add column edge_key varchar")
    conn.execute("update intermediate.int_identity_edges set edge_key = record_id || '|' || identifier_key")
    return _edge_columns_and_runs(conn)


def _edge_columns_and_runs(conn: duckdb.DuckDBPyConnection) -> tuple[set[str], dict]:
    columns = conn.execute(
        "select column_name from information_schema.columns"
        " where table_schema = 'intermediate' and table_name = 'int_identity_edges'"
    ).fetchall()
    runs = conn.execute(
        "select edged_at, count(*) from intermediate.int_identity_edges group by edged_at"
    ).fetchall()
    return {name for (name,) in columns}, dict(runs)


def _erase_one_identifier_of_a_linked_contact(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Erases (in the warehouse: the fixture's landing files are shared) one identifier of a contact that has
    three or more, with every record carrying it; the contact's other identifiers stay. Gives the erased key."""
    (key,) = conn.execute(
        """
        select min(identifier_key) from intermediate.int_identity_assignments
        where is_current and contact_id = (
            select min(contact_id) from (
                select contact_id from intermediate.int_identity_assignments where is_current
                group by contact_id having count(*) >= 3
            ) as linked
        )
        """
    ).fetchone()
    assert key, "the test data has no contact with three identifiers"
    erasure.ensure_tables(conn)
    erasure.register(conn, "incremental-test", [key], [])
    with mock.patch.object(erasure, "blank_landing_records", return_value=[]):
        erasure.enforce_register(conn)
    return [key]


def _last_run_figures(warehouse) -> dict:
    """What the last build recomputed: scope reasons, record scope reasons, table sizes, assignment rows."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        figures = {
            "reasons": dict(conn.execute(f"select reason, count(*) from {SCOPE} group by 1").fetchall()),
            "record_reasons": dict(
                conn.execute(
                    "select reason, count(*) from intermediate.int_records_scope group by 1"
                ).fetchall()
            ),
            "identifiers": conn.execute(
                "select count(*) from intermediate.int_identity_identifiers_screened"
            ).fetchone()[0],
            "records": conn.execute("select count(*) from intermediate.int_records_resolved").fetchone()[0],
            "stage_reasons": dict(
                conn.execute(f"select reason, count(*) from {STAGE_SCOPE} group by 1").fetchall()
            ),
            "contacts": conn.execute("select count(*) from marts.dim_contacts").fetchone()[0],
            # records carrying a rescreened identifier, and of those the ones resolved again (for another reason)
            "rescreened_records": conn.execute(
                f"""
                select count(distinct record_id), count(distinct record_id) filter (
                    where record_id in (select record_id from intermediate.int_records_scope)
                )
                from intermediate.int_identity_edges
                where identifier_key in (select identifier_key from {SCOPE} where reason = 'rescreened')
                """
            ).fetchone(),
        }
        figures["rewritten"], figures["kept"], figures["scope_not_rewritten"] = conn.execute(
            f"""
            select
                count(*) filter (where assigned_at = last_run),
                count(*) filter (where assigned_at < last_run),
                count(*) filter (where assigned_at < last_run and is_current
                                 and identifier_key in (select identifier_key from {SCOPE}))
            from intermediate.int_identity_assignments,
                (select max(assigned_at) as last_run from intermediate.int_identity_assignments)
            """
        ).fetchone()
    return figures


def _build(command: list[str], home, workdir) -> None:
    run = dbt(command, "duckdb", workdir, {"YUCHI_HOME": str(home), "YUCHI_WAREHOUSE": None})
    assert run.returncode == 0 and not run.failures(), run.failures() or run.output[-4000:]


def test_the_daily_build_stages_only_new_rows(builds):
    with duckdb.connect(str(builds["probe"] / "warehouse.duckdb"), read_only=True) as conn:
        marked = conn.execute(f"select count(*) from {PROBED} where full_name = ?", [MARKER]).fetchone()[0]
        staged_after = conn.execute(f"select count(*) from {PROBED}").fetchone()[0]
    assert builds["landed"] > 100
    assert marked == 1, "the incremental run rebuilt the staged rows instead of appending to them"
    assert staged_after > builds["staged_before"], "the rows landed later were not staged"


def test_daily_builds_end_as_a_full_refresh_would(builds):
    with (
        duckdb.connect(str(builds["daily"] / "warehouse.duckdb"), read_only=True) as daily,
        duckdb.connect(str(builds["rebuilt"] / "warehouse.duckdb"), read_only=True) as rebuilt,
    ):
        differences, compared = {}, 0
        for schema in ("staging", "intermediate", "marts", "segments"):
            for table in _tables(rebuilt, schema):
                relation = f"{schema}.{table}"
                if relation in SCOPES:
                    continue
                left, right = (
                    _without(fetch_table(conn.cursor(), relation), RUN_HISTORY.get(relation, set()))
                    for conn in (daily, rebuilt)
                )
                if diff := table_differences(left, right, built_after=builds["started"]):
                    differences[relation] = diff
                compared += 1
    assert compared > 30
    assert differences == {}, "\n".join(f"{t}:\n  " + "\n  ".join(d) for t, d in differences.items())


def test_the_next_run_drops_a_column_an_earlier_version_wrote_and_appends(builds):
    """int_identity_edges of the first build got the edge_key column of earlier versions: the second build
    dropped it (its pre_hook) and appended to the table, which kept the first run's edges."""
    columns_before, runs_before = builds["edges_first_run"]
    columns, runs = builds["edges_second_run"]
    assert "edge_key" in columns_before and "edge_key" not in columns, (columns_before, columns)
    assert {"record_id", "identifier_key", "edged_at"} <= columns, columns
    [(first_run, first_count)] = runs_before.items()
    assert runs.get(first_run) == first_count, "the first run's edges were rebuilt, not kept"
    assert len(runs) == 2, "the second run appended no edges"


def test_the_daily_identity_run_recomputes_only_around_new_records(builds):
    """The third (small) run's scope holds the identifiers of the new records and whole components around them,
    a minority of the graph; the contact ids of every other identifier were left as the second run wrote them;
    and the records resolved again (with their contacts' golden records) are a minority too."""
    run = builds["third_run"]
    reasons, record_reasons = run["reasons"], run["record_reasons"]
    in_scope = sum(reasons.values())
    assert "everything" not in reasons and reasons.get("new", 0) > 0, reasons
    assert in_scope < run["identifiers"] / 2, (
        f"{in_scope} of {run['identifiers']} identifiers in scope: {reasons}"
    )
    assert run["rewritten"] > 0 and run["kept"] > run["rewritten"], run
    assert run["scope_not_rewritten"] == 0, "identifiers in scope kept an earlier run's contact assignment"
    assert "everything" not in record_reasons and record_reasons.get("new", 0) > 0, record_reasons
    assert sum(record_reasons.values()) < run["records"] / 2, f"{record_reasons} of {run['records']} records"


def test_identifiers_screened_shared_before_are_only_screened_again(builds):
    """New records carried identifiers the second run had screened as shared or blocked: the third run screened
    them again, and resolved again only those of their records that were in scope for another reason (the
    new ones among them); the tables still equal a full refresh's (test_daily_builds_end_as_a_full_refresh_would)."""
    run = builds["third_run"]
    carrying, resolved_again = run["rescreened_records"]
    assert run["reasons"].get("rescreened", 0) > 0, run["reasons"]
    assert 0 < resolved_again < carrying, run["rescreened_records"]


def test_the_daily_scoring_run_evaluates_stage_entries_only_where_they_can_change(builds):
    """The third run evaluated the stage entries of the contacts whose records were resolved again (and the few
    whose entries hang on the scoring time), a minority; the others kept their rows, and the tables still
    equal a full refresh's (test_daily_builds_end_as_a_full_refresh_would)."""
    run = builds["third_run"]
    reasons = run["stage_reasons"]
    assert "everything" not in reasons and reasons.get("changed", 0) > 0, reasons
    assert sum(reasons.values()) < run["contacts"] / 2, f"{reasons} of {run['contacts']} contacts"


def test_rows_of_an_earlier_score_definition_are_all_recomputed(builds):
    """One row of each table derived under the score definition was marked as of an earlier one before the
    fourth build: that build recomputed every row (the stage scope was everything, no row kept the mark), and
    (test above) the tables equal a full refresh's."""
    assert builds["fourth_run"]["stage_reasons"].keys() == {"everything"}, builds["fourth_run"][
        "stage_reasons"
    ]
    with duckdb.connect(str(builds["daily"] / "warehouse.duckdb"), read_only=True) as conn:
        for table in STALE_ON_PURPOSE:
            versions = conn.execute(
                f"select count(distinct scoring_version), count(*) from {table}"
            ).fetchone()
            assert versions[0] == 1 and versions[1] > 0, f"{table}: {versions}"


def test_after_an_erasure_the_next_run_links_the_rest_of_the_component_again(builds):
    """The erasure released the erased identifier's whole component; the fourth run linked its other identifiers
    again ('orphaned') without the erased records, and (test above) ended as a full refresh would."""
    erased = builds["erased"]
    run = _last_run_figures(builds["daily"] / "warehouse.duckdb")
    assert run["reasons"].get("orphaned", 0) > 0 and "new" not in run["reasons"], run["reasons"]
    with duckdb.connect(str(builds["daily"] / "warehouse.duckdb"), read_only=True) as conn:
        for table in ("int_identity_edges", "int_identity_components", "int_identity_assignments"):
            left = conn.execute(
                f"select count(*) from intermediate.{table} where identifier_key in (select unnest(?))",
                [erased],
            ).fetchone()[0]
            assert left == 0, f"{table} still holds {left} row(s) of the erased person"


def test_current_scores_from_kept_sums_equal_scores_from_every_event(builds, tmp_path):
    """lead_score_points at the newest data's time decays the per-contact sums of int_lead_engagement_totals
    (kept by the daily runs); built with var scoring_as_of at that same time it evaluates every event and
    observation instead (macro lead_score_breakdown). Both give the same rows, decayed points included."""
    copy = tmp_path / "as_of"
    copy.mkdir()
    shutil.copy(builds["daily"] / "warehouse.duckdb", copy / "warehouse.duckdb")
    with duckdb.connect(str(copy / "warehouse.duckdb")) as conn:
        (as_of,) = conn.execute("select max(scored_as_of) from marts.lead_score_points").fetchone()
        conn.execute("create table main.kept_sums_points as select * from marts.lead_score_points")
        decayed = conn.execute(
            "select count(*) from marts.lead_score_points where score_kind = 'engagement' "
            "and points_before_cap <> cast(points_before_cap as bigint)"
        ).fetchone()[0]
    assert decayed > 100, "too few decayed (fractional) engagement points to compare"
    command = ["run", "--select", "lead_score_points", "--vars", f"{{scoring_as_of: '{as_of}'}}"]
    _build(command, copy, tmp_path)
    with duckdb.connect(str(copy / "warehouse.duckdb"), read_only=True) as conn:
        kept, evaluated = (
            fetch_table(conn.cursor(), t) for t in ("main.kept_sums_points", "marts.lead_score_points")
        )
    assert len(kept[1]) > 1000
    assert table_differences(kept, evaluated, built_after=builds["started"]) == []


IN_RECORDS_SCOPE = "{} in (select record_id from intermediate.int_records_scope)"
CONTACT_IN_SCOPE = (
    "contact_id in (select contact_id from intermediate.int_records_resolved where "
    + IN_RECORDS_SCOPE.format("record_id")
    + ")"
)


@pytest.mark.parametrize(
    ("test", "table", "key", "in_scope"),
    [
        ("unique_int_records_resolved_record_id", "intermediate.int_records_resolved", "record_id",
         IN_RECORDS_SCOPE.format("record_id")),
        ("unique_lead_score_events_score_event_id", "marts.lead_score_events", "score_event_id",
         IN_RECORDS_SCOPE.format("event_id")),
        ("unique_int_lead_fit_current_fit_current_id", "intermediate.int_lead_fit_current", "fit_current_id",
         CONTACT_IN_SCOPE),
    ],
)  # fmt: skip
def test_scoped_data_tests_check_the_rows_the_daily_run_wrote(builds, tmp_path, test, table, key, in_scope):
    """After a daily run a scoped uniqueness test checks the rows of the records (or contacts) that run
    resolved (macros/scoped_tests.sql): a second row of one of them fails it; a second row the run left as an
    earlier one wrote it is not looked at, unless every row is checked (var test_every_row)."""
    home = tmp_path / "home"
    home.mkdir()
    warehouse = home / "warehouse.duckdb"
    shutil.copy(builds["daily"] / "warehouse.duckdb", warehouse)
    with duckdb.connect(str(warehouse)) as conn:
        inside, outside = conn.execute(
            f"select min({key}) filter (where {in_scope}), min({key}) filter (where not ({in_scope})) from {table}"
        ).fetchone()
    assert inside and outside

    def unique_test(*options: str) -> dict[str, str]:
        run = dbt(
            ["test", "--select", test, *options],
            "duckdb",
            tmp_path,
            {"YUCHI_HOME": str(home), "YUCHI_WAREHOUSE": None},
        )
        assert len(run.statuses) == 1, run.output[-3000:]
        return run.statuses

    def add_a_second_row_of(value: str) -> None:
        with duckdb.connect(str(warehouse)) as conn:
            conn.execute(f"insert into {table} select * from {table} where {key} = ?", [value])

    assert set(unique_test().values()) == {"pass"}
    add_a_second_row_of(outside)
    assert set(unique_test().values()) == {"pass"}, "the scoped test looked at a row the run did not write"
    assert set(unique_test("--vars", "{test_every_row: true}").values()) == {"fail"}
    add_a_second_row_of(inside)
    assert set(unique_test().values()) == {"fail"}, "a second row of a record the run resolved went unnoticed"
