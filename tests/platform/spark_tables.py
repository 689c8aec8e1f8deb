"""Moves tables in and out of the local Spark catalog the dbt `spark` target uses (run as a subprocess).

`load` registers parquet files as tables of a schema (raw.* exported from DuckDB), `dump` writes every table of a
schema to parquet for comparison. Each call is its own JVM: Spark's embedded Derby metastore admits one JVM at
a time, and dbt's session opens it next. The settings mirror the `spark` output of dbt_project/profiles.yml.

    python -m tests.platform.spark_tables load <spark_home> <schema> <parquet folder>
    python -m tests.platform.spark_tables dump <spark_home> <schema> <parquet folder>
"""

from __future__ import annotations

import sys
from pathlib import Path

from pyspark.sql import SparkSession


def session(spark_home: Path) -> SparkSession:
    return (
        SparkSession.builder.enableHiveSupport()
        .config("spark.sql.warehouse.dir", str(spark_home / "warehouse"))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={spark_home / 'metastore_db'};create=true",
        )
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.extraJavaOptions", f"-Dderby.stream.error.file={spark_home / 'derby.log'}")
        .getOrCreate()
    )


def load(spark: SparkSession, schema: str, folder: Path) -> None:
    spark.sql(f"create database if not exists {schema}")
    for path in sorted(folder.glob("*.parquet")):
        spark.read.parquet(str(path)).write.mode("overwrite").saveAsTable(f"{schema}.{path.stem}")


def dump(spark: SparkSession, schema: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for table in spark.catalog.listTables(schema):
        spark.table(f"{schema}.{table.name}").toPandas().to_parquet(
            folder / f"{table.name}.parquet", index=False
        )


def main(argv: list[str]) -> None:
    action, spark_home, schema, folder = argv
    spark = session(Path(spark_home))
    spark.sparkContext.setLogLevel("ERROR")
    try:
        {"load": load, "dump": dump}[action](spark, schema, Path(folder))
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
