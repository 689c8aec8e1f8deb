"""Ingest assets: one per channel, loading its landing files into raw.* and bad rows into quarantine.*."""

from types import ModuleType

import dagster as dg

from connectors.sources import CHANNEL_MODULES
from connectors.sources.loader import load_entity
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource, table_preview


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def build_channel_ingest(channel: str, module: ModuleType) -> dg.AssetsDefinition:
    """Gives the multi-asset that loads every source table of one channel."""
    specs = [
        dg.AssetSpec(
            raw_key(entity.table),
            description=f"{entity.description} One row per landed record of landing/{entity.channel}/"
            f"{entity.file_glob}; rejected records go to quarantine.{entity.table}.",
            group_name="ingest",
            kinds={"python", "duckdb"},
            owners=["team:data-engineering"],
        )
        for entity in module.ENTITIES
    ]

    @dg.multi_asset(name=f"ingest_{channel}", specs=specs, pool=WAREHOUSE_POOL, can_subset=False)
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        landing = warehouse.paths().landing
        with warehouse.connect() as conn:
            for entity in module.ENTITIES:
                report = load_entity(conn, entity, landing)
                context.log.info(
                    f"{entity.table}: {len(report.files_loaded)} new file(s), {report.rows_loaded} rows loaded, "
                    f"{report.rows_quarantined} quarantined, {len(report.files_skipped)} file(s) already loaded"
                )
                total = conn.execute(f"select count(*) from raw.{entity.table}").fetchone()[0]
                yield dg.MaterializeResult(
                    asset_key=raw_key(entity.table),
                    metadata={
                        "dagster/row_count": int(total),
                        "files_loaded": len(report.files_loaded),
                        "files_already_loaded": len(report.files_skipped),
                        "rows_in": report.rows_in,
                        "rows_loaded": report.rows_loaded,
                        "rows_quarantined": report.rows_quarantined,
                        "quarantine_reasons": dg.MetadataValue.json(report.quarantine_reasons),
                        "quarantine_table": f"quarantine.{entity.table}",
                        "preview": table_preview(
                            conn, f"select * from raw.{entity.table} order by _loaded_at desc"
                        ),
                    },
                )

    return _ingest


ingest_assets = [build_channel_ingest(channel, module) for channel, module in CHANNEL_MODULES.items()]
