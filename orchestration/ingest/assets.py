"""Ingest assets: one per channel, loading its landing files into raw.* and bad rows into quarantine.*."""

from types import ModuleType

import dagster as dg

from connectors.sources import CHANNEL_MODULES
from connectors.sources.contract import Entity
from connectors.sources.loader import LoadReport, load_entities
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource, table_preview


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def _files_text(entity: Entity) -> str:
    return ", ".join(f"landing/{entity.channel}/{p.glob} ({p.format})" for p in entity.files)


def load_metadata(report: LoadReport, total_rows: int) -> dict:
    """Gives what the Dagster UI shows for one load: counts, reasons, schema drift."""
    return {
        "dagster/row_count": total_rows,
        "load_id": report.load_id,
        "files_loaded": len(report.files_loaded),
        "files_already_loaded": len(report.files_skipped),
        "rows_in": report.rows_in,
        "rows_loaded": report.rows_loaded,
        "rows_quarantined": report.rows_quarantined,
        "quarantine_reasons": dg.MetadataValue.json(report.quarantine_reasons),
        "columns_added": dg.MetadataValue.json(report.columns_added),
        "schema_drift": bool(report.columns_added),
    }


def build_channel_ingest(channel: str, module: ModuleType) -> dg.AssetsDefinition:
    """Gives the multi-asset that loads every source table of one channel."""
    specs = [
        dg.AssetSpec(
            raw_key(entity.table),
            description=f"{entity.description} One row per landed record of {_files_text(entity)}; "
            f"rejected records go to quarantine.{entity.table} with the reason.",
            group_name="ingest",
            kinds={"python", "duckdb"},
            owners=["team:data-engineering"],
        )
        for entity in module.ENTITIES
    ]

    @dg.multi_asset(name=f"ingest_{channel}", specs=specs, pool=WAREHOUSE_POOL, can_subset=True)
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        """Loads the channel's new landing files (and appended tails) once each, in all-or-nothing batches; the
        channel's tables load at once (loader.load_entities), then each is reported."""
        landing = warehouse.paths().landing
        selected = [e for e in module.ENTITIES if raw_key(e.table) in context.selected_asset_keys]
        with warehouse.connect() as conn:
            for entity, report in zip(selected, load_entities(conn, selected, landing), strict=True):
                context.log.info(
                    f"{entity.table}: {len(report.files_loaded)} new file(s), {report.rows_loaded} rows loaded, "
                    f"{report.rows_quarantined} quarantined, {len(report.files_skipped)} file(s) already loaded"
                    + (
                        f", new columns {[c['column'] for c in report.columns_added]}"
                        if report.columns_added
                        else ""
                    )
                )
                total = conn.execute(f"select count(*) from raw.{entity.table}").fetchall()[0][0]
                metadata = load_metadata(report, int(total))
                metadata["preview"] = table_preview(
                    conn, f"select * from raw.{entity.table} order by _loaded_at desc"
                )
                yield dg.MaterializeResult(asset_key=raw_key(entity.table), metadata=metadata)

    return _ingest


ingest_assets = [build_channel_ingest(channel, module) for channel, module in CHANNEL_MODULES.items()]
