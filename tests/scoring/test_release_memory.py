"""release_memory makes DuckDB give back what it kept after a query (the training and scoring steps call it
between the snapshot query and pandas), and sets Yuchi's memory limit again."""

import os
import time
from pathlib import Path

import duckdb

from connectors.settings import duckdb_memory_limit
from ml.snapshots import release_memory

MIB = 1024**2


def _rss() -> int:
    """This process's resident memory now (Linux), in bytes."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_duckdb_gives_back_what_it_kept_after_a_query(tmp_path, monkeypatch):
    monkeypatch.setenv("YUCHI_DUCKDB_MEMORY_LIMIT", "2GB")
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    conn.execute("set memory_limit = '2GB'")
    conn.execute("create table t as select md5(range::varchar) as s, range as i from range(5000000)")
    groups = conn.execute("select count(*) from (select s, count(*) from t group by s order by s)").fetchall()
    assert groups == [(5_000_000,)]
    kept = _rss()
    time.sleep(0.5)
    assert _rss() > kept - 100 * MIB, "DuckDB gave the memory back by itself: nothing to test"
    release_memory(conn)
    assert _rss() < kept - 200 * MIB, f"{kept / MIB:.0f} MiB before, {_rss() / MIB:.0f} MiB after"
    assert conn.execute("select current_setting('memory_limit')").fetchone()[0] == "1.8 GiB"
    assert conn.execute("select count(*) from t").fetchone()[0] == 5_000_000


def test_a_connection_with_its_own_limit_gets_it_back(tmp_path, monkeypatch):
    monkeypatch.setenv("YUCHI_DUCKDB_MEMORY_LIMIT", "2GB")
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    conn.execute("set memory_limit = '5GB'")
    release_memory(conn)
    shown = conn.execute("select current_setting('memory_limit')").fetchone()[0]
    # DuckDB shows the limit to a tenth of a GiB (rounded down) and its own text does not round-trip exactly ('4.6 GiB' set
    # shows as '4.5 GiB'): the limit comes back within 0.2 GiB, not as Yuchi's 2GB
    assert shown.endswith(" GiB") and abs(float(shown.split()[0]) - 5 / 1.073741824) <= 0.2, shown


def test_a_limit_duckdb_refuses_leaves_the_limit_and_the_run_alone(tmp_path, monkeypatch, caplog):
    class Refusing:
        """A connection whose DuckDB cannot free memory down to the momentary limit."""

        def __init__(self, conn):
            self.conn, self.statements = conn, []

        def execute(self, sql):
            self.statements.append(sql)
            if "64MB" in sql:
                raise duckdb.OutOfMemoryException("could not free up enough memory")
            return self.conn.execute(sql)

    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    conn.execute("set memory_limit = '3GB'")
    refusing = Refusing(conn)
    release_memory(refusing)
    assert "kept its memory" in caplog.text
    assert f"set memory_limit = '{duckdb_memory_limit()}'" not in refusing.statements
    assert conn.execute("select current_setting('memory_limit')").fetchone()[0] == "2.7 GiB"
