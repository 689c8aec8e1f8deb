"""Identity guardrails in the Dagster UI: what was blocked, found shared, split and merged in the latest run."""

import json

import dagster as dg
import pandas as pd

from ml.identity.guardrails import guardrail_report
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

SCREENED = dg.AssetKey(["intermediate", "int_identity_identifiers_screened"])
PARTS = dg.AssetKey(["intermediate", "int_identity_parts"])
MERGES = dg.AssetKey(["marts", "contact_merges"])
RECORDS = dg.AssetKey(["intermediate", "int_records_resolved"])
GUARDRAILS = dg.AssetKey(["reports", "identity_guardrails"])
MAX_SHARE_OF_RECORDS_ON_SHARED = 0.02
"""Above this share of records sitting on shared identifiers, something upstream is broken (a form that
pre-fills a phone, a tracker that sends one cookie for everyone): the check warns."""


@dg.asset(
    key=GUARDRAILS,
    deps=[SCREENED, PARTS, MERGES, RECORDS],
    group_name="identity",
    kinds={"python", "duckdb"},
    pool=WAREHOUSE_POOL,
    owners=["team:analytics-engineering"],
)
def identity_guardrails(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Reports what identity resolution's guardrails did: identifiers blocked by the seeds, identifiers found
    shared by several people (excluded from linking), components split by per-contact limits and never-merge
    rules, and the ledger's merges, splits and links of the latest run, written to reports/ as well.

    A wrong merge sends one person's CRM record to another's salesperson: these numbers are what a data
    engineer watches to trust the contacts downstream."""
    with warehouse.connect(read_only=True) as conn:
        report = guardrail_report(conn)
    folder = warehouse.paths().reports
    folder.mkdir(parents=True, exist_ok=True)
    figures = {k: v for k, v in report.__dict__.items()}
    (folder / "identity_guardrails.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    context.log.info(
        f"{report.shared_identifiers} shared and {report.blocked_identifiers} blocked identifiers; "
        f"{report.components_split_by_limits} components split by limits"
    )
    top = pd.DataFrame(report.top_shared)
    return dg.MaterializeResult(
        metadata={
            "linking_identifiers": report.linking_identifiers,
            "blocked_identifiers": report.blocked_identifiers,
            "shared_identifiers": report.shared_identifiers,
            "records_on_shared_identifiers": report.records_on_shared_identifiers,
            "share_of_records_on_shared_identifiers": round(report.share_of_records_on_shared_identifiers, 4),
            "records_without_linking_identifier": report.records_without_linking_identifier,
            "components_split_by_limits": report.components_split_by_limits,
            "ledger_events_latest_run": dg.MetadataValue.json(report.ledger_events_latest_run),
            "top_shared_identifiers": dg.MetadataValue.md(
                top.to_markdown(index=False) if not top.empty else "_none_"
            ),
        }
    )


@dg.asset_check(
    asset=GUARDRAILS,
    name="few_records_on_shared_identifiers",
    pool=WAREHOUSE_POOL,
    description=f"Warns when more than {MAX_SHARE_OF_RECORDS_ON_SHARED:.0%} of records carry an identifier "
    "shared by several people: a broken form or tracker is feeding one value for everyone.",
)
def few_records_on_shared_identifiers(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as conn:
        report = guardrail_report(conn, top=5)
    share = report.share_of_records_on_shared_identifiers
    return dg.AssetCheckResult(
        passed=share <= MAX_SHARE_OF_RECORDS_ON_SHARED,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "share_of_records_on_shared_identifiers": round(share, 4),
            "shared_identifiers": report.shared_identifiers,
            "top_shared": dg.MetadataValue.json(report.top_shared),
        },
    )


identity_assets = [identity_guardrails]
identity_checks = [few_records_on_shared_identifiers]
