"""Registers raw tables in the local Spark catalog the dbt `spark` target uses (run as a subprocess).

It makes each parquet folder of a directory (raw.* exported from DuckDB) an external table of a schema: only
the metastore is written, no data is copied, so the step costs little more than the JVM's start. It runs in its
own JVM because Spark's embedded Derby metastore admits one JVM at a time, and dbt's session opens it next.
The settings mirror the `spark` output of dbt_project/profiles.yml.

    python -m tests.platform.spark_tables <spark_home> <schema> <folder of parquet folders>
"""

from __future__ import annotations

import sys
from pathlib import Path

from pyspark.sql import SparkSession


def session(spark_home: Path) -> SparkSession:
    return (
        SparkSession.builder.enableHiveSupport()
        .master("local[2]")
        .config("spark.sql.adaptive.enabled", "false")
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
    """Registers every sub-folder of `folder` (parquet files of one table) as the external table schema.<name>."""
    spark.sql(f"create database if not exists {schema}")
    for table in sorted(path for path in folder.iterdir() if path.is_dir()):
        spark.catalog.createTable(f"{schema}.{table.name}", path=str(table), source="parquet")


def main(argv: list[str]) -> None:
    spark_home, schema, folder = argv
    spark = session(Path(spark_home))
    spark.sparkContext.setLogLevel("ERROR")
    try:
        load(spark, schema, Path(folder))
    finally:
        spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
