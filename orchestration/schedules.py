"""The daily refresh: everything after ingest, rebuilt each morning before the marts' 07:00 freshness deadline.

Landing files are loaded as they arrive (the landing-file sensor); this job stages what was loaded since the last
run (incremental staging models), rebuilds identity, profiles, scores and segments, and syncs what changed. The
propensity model is not in it: it retrains weekly (orchestration/scoring/retraining_triggers.py).
"""

import dagster as dg

TRAINING = dg.AssetKey(["ml", "lead_propensity_model"])

daily_refresh = dg.define_asset_job(
    "daily_refresh",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(TRAINING),
    description="Loads what the sensor has not yet, stages new rows, rebuilds identity, profiles, scores and "
    "segments, and syncs the changes. Full refresh of staging: run config "
    "`ops: {yuchi_dbt_models: {config: {full_refresh: true}}}`.",
)

daily_refresh_schedule = dg.ScheduleDefinition(
    name="daily_refresh_schedule",
    job=daily_refresh,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="06:00 China time: an hour before sales start work and the marts' freshness deadline.",
)
