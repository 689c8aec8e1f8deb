"""Checks on raw tables: Great Expectations suites, and row accounting (every landed row is in raw or quarantine)."""

from collections import Counter
from pathlib import Path

import dagster as dg

from connectors.quality import validate_frame
from connectors.sources import ALL_ENTITIES
from connectors.sources.contract import Entity
from connectors.sources.readers import read_file
from orchestration.ingest.assets import raw_key
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource


def build_expectations_check(entity: Entity) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_key(entity.table),
        name="great_expectations_suite",
        blocking=True,
        pool=WAREHOUSE_POOL,
        description=f"Great Expectations suite for raw.{entity.table}: required fields present, "
        "identifiers in normalised form, values within the contract.",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as conn:
            frame = conn.execute(f"select * from raw.{entity.table}").df()
        outcome = validate_frame(entity, frame)
        return dg.AssetCheckResult(
            passed=outcome.success,
            metadata={
                "expectations": len(outcome.results),
                "failed": dg.MetadataValue.json(outcome.failed),
                "rows_validated": len(frame),
            },
        )

    return _check


def build_row_accounting_check(entity: Entity) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_key(entity.table),
        name="row_accounting",
        blocking=True,
        pool=WAREHOUSE_POOL,
        description="Every record in every loaded landing file is in raw or in quarantine, once.",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as conn:
            files = conn.execute(
                "select source_file from raw._file_loads where source_table = ?", [entity.table]
            ).fetchall()
            in_raw = Counter(
                dict(
                    conn.execute(
                        f"select _source_file, count(*) from raw.{entity.table} group by 1"
                    ).fetchall()
                )
            )
            in_quarantine = Counter(
                dict(
                    conn.execute(
                        f"select _source_file, count(*) from quarantine.{entity.table} group by 1"
                    ).fetchall()
                )
            )
        landed, missing, mismatched = 0, [], []
        for (name,) in files:
            path = Path(name)
            if not path.exists():
                missing.append(name)
                continue
            count = sum(1 for _ in read_file(path))
            landed += count
            if count != in_raw[name] + in_quarantine[name]:
                mismatched.append(
                    {"file": name, "landed": count, "raw": in_raw[name], "quarantine": in_quarantine[name]}
                )
        return dg.AssetCheckResult(
            passed=not mismatched,
            metadata={
                "rows_landed": landed,
                "rows_in_raw": sum(in_raw.values()),
                "rows_in_quarantine": sum(in_quarantine.values()),
                "files_checked": len(files) - len(missing),
                "files_no_longer_in_landing": len(missing),
                "mismatched_files": dg.MetadataValue.json(mismatched),
            },
        )

    return _check


raw_checks = [
    build(e) for e in ALL_ENTITIES for build in (build_expectations_check, build_row_accounting_check)
]
