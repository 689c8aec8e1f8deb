"""Connected components of the identity graph: the fast path (scipy, in memory and through DuckDB) and the
portable SQL of int_identity_components give the smallest key of every component, on any graph."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.identity.pipeline import DBT_DIR
from ml.identity.duckdb_plugin import register
from ml.identity.stitching import identity_components
from ml.identity.union_find import UnionFind

edge_lists = st.lists(
    st.tuples(st.integers(0, 40), st.sampled_from(["phone", "email", "crm_id"]), st.integers(0, 30)),
    min_size=1,
    max_size=120,
)


def _table(edges: list[tuple[int, str, int]]) -> pa.Table:
    pairs = sorted({(f"r{record:03d}", f"{kind}:{value}") for record, kind, value in edges})
    return pa.table({"record_id": [r for r, _ in pairs], "identifier_key": [k for _, k in pairs]})


def reference_components(table: pa.Table) -> dict[str, str]:
    """Union-find over records and identifiers: the smallest identifier key of each identifier's component."""
    groups = UnionFind()
    for record, key in zip(table["record_id"].to_pylist(), table["identifier_key"].to_pylist(), strict=True):
        groups.union("record|" + record, "key|" + key)
    smallest: dict[str, str] = {}
    for key in table["identifier_key"].to_pylist():
        root = groups.find("key|" + key)
        smallest[root] = min(smallest.get(root, key), key)
    return {key: smallest[groups.find("key|" + key)] for key in table["identifier_key"].to_pylist()}


@given(edge_lists)
@settings(deadline=None)
def test_fast_components_are_the_smallest_key_of_each_component(edges):
    table = _table(edges)
    result = identity_components(table)
    assert dict(
        zip(result["identifier_key"].to_pylist(), result["component_key"].to_pylist(), strict=True)
    ) == (reference_components(table))


@given(edge_lists)
@settings(max_examples=30, deadline=None)
def test_duckdb_function_of_the_fast_path_matches_a_union_find(edges):
    table = _table(edges)
    keys = sorted(set(table["identifier_key"].to_pylist()))
    by_record: dict[str, list[int]] = {}
    for record, key in zip(table["record_id"].to_pylist(), table["identifier_key"].to_pylist(), strict=True):
        by_record.setdefault(record, []).append(keys.index(key))
    with duckdb.connect() as conn:
        register(conn)
        (labels,) = conn.execute(
            "select yuchi_component_labels(?::integer[][], ?)", [list(by_record.values()), len(keys)]
        ).fetchone()
    assert {keys[i]: keys[label] for i, label in enumerate(labels)} == reference_components(table)


def test_duckdb_function_marks_identifiers_on_no_record_unconnected():
    with duckdb.connect() as conn:
        register(conn)
        (labels,) = conn.execute("select yuchi_component_labels([[3, 1], [4]]::integer[][], 5)").fetchone()
        (none,) = conn.execute("select yuchi_component_labels(null::integer[][], 2)").fetchone()
    assert labels == [-1, 1, -1, 1, 4]
    assert none is None  # no records at all: the model then has no components, as the portable SQL


def test_keys_are_compared_by_bytes_as_sql_does():
    table = pa.table(
        {"record_id": ["r1", "r1", "r1"], "identifier_key": ["email:Zoe@x.cn", "email:ann@x.cn", "phone:+86"]}
    )
    assert set(identity_components(table)["component_key"].to_pylist()) == {"email:Zoe@x.cn"}


def _compile(folder, variables: str) -> str:
    env = os.environ | {"YUCHI_WAREHOUSE": str(folder / "warehouse.duckdb"), "YUCHI_DBT_TARGET": "duckdb"}
    target = folder / f"target_{len(variables)}"
    command = [
        os.path.join(os.path.dirname(sys.executable), "dbt"), "compile", "--quiet", "--profiles-dir",
        str(DBT_DIR), "--project-dir", str(DBT_DIR), "--target-path", str(target),
        "--select", "int_identity_components", "--vars", variables,
    ]  # fmt: skip
    completed = subprocess.run(command, env=env, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return next((target / "compiled").rglob("int_identity_components.sql")).read_text()


@pytest.fixture(scope="module")
def compiled_models(tmp_path_factory):
    """int_identity_components as dbt compiles it on DuckDB, fast path and portable SQL (var identity_fast_path
    false), and a DuckDB file named like the warehouse they read."""
    folder = tmp_path_factory.mktemp("compiled")
    fast, portable = _compile(folder, "{}"), _compile(folder, "{identity_fast_path: false}")
    assert "yuchi_component_labels" in fast and "propagated_1" not in fast
    assert "yuchi_component_labels" not in portable and "propagated_1" in portable
    return folder / "warehouse.duckdb", {"fast": fast, "portable": portable}


@pytest.fixture(scope="module")
def portable_sql(compiled_models):
    warehouse, models = compiled_models
    return warehouse, models["portable"]


def _model_rows(warehouse, compiled: str, table: pa.Table, shared: frozenset = frozenset()) -> set[tuple]:
    """Rows of the compiled model over `table`'s edges; identifiers in `shared` are screened as shared."""
    with duckdb.connect(str(warehouse)) as conn:
        register(conn)
        conn.execute("create schema if not exists intermediate")
        conn.register("given_edges", table)
        conn.register("shared_keys", pa.table({"identifier_key": pa.array(sorted(shared), pa.string())}))
        conn.execute(
            "create or replace table intermediate.int_identity_edges as select record_id, identifier_key "
            "from given_edges"
        )
        conn.execute(
            "create or replace table intermediate.int_identity_identifiers_screened as "
            "select distinct identifier_key, split_part(identifier_key, ':', 1) as id_type, "
            "split_part(identifier_key, ':', 2) as id_value, case when identifier_key in "
            "(select identifier_key from shared_keys) then 'shared' else 'linking' end as screen_status "
            "from given_edges"
        )
        return set(conn.execute(f"select * from ({compiled}\n)").fetchall())


def _portable(warehouse, compiled: str, table: pa.Table) -> dict[str, str]:
    return {key: component for key, _, _, component in _model_rows(warehouse, compiled, table)}


@given(edge_lists, st.integers(2, 9))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_fast_and_portable_models_give_the_same_rows_and_leave_shared_identifiers_out(
    compiled_models, edges, every
):
    warehouse, models = compiled_models
    table = _table(edges)
    shared = frozenset(k for k in table["identifier_key"].to_pylist() if int(k.split(":")[1]) % every == 0)
    linking = table.filter(pa.array([k not in shared for k in table["identifier_key"].to_pylist()]))
    expected = {
        (key, key.split(":")[0], key.split(":")[1], component)
        for key, component in reference_components(linking).items()
    }
    assert _model_rows(warehouse, models["fast"], table, shared) == expected
    assert _model_rows(warehouse, models["portable"], table, shared) == expected


@given(edge_lists)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_portable_sql_gives_the_same_components_as_the_fast_path(portable_sql, edges):
    warehouse, compiled = portable_sql
    table = _table(edges)
    assert _portable(warehouse, compiled, table) == reference_components(table)


def test_portable_sql_converges_on_a_sorted_chain_of_200_identifiers(portable_sql):
    warehouse, compiled = portable_sql
    keys = [f"crm_id:n{i:03d}" for i in range(200)]
    table = pa.table(
        {
            "record_id": [f"r{i:03d}" for i in range(199) for _ in (0, 1)],
            "identifier_key": [key for i in range(199) for key in (keys[i], keys[i + 1])],
        }
    )
    assert set(_portable(warehouse, compiled, table).values()) == {"crm_id:n000"}
