"""Deletion requests as an asset, and a blocking check that erased people stay erased in raw.

Requests are submitted with `yuchi-activation erase --email ... --phone ...` (or connectors.destinations.erasure
.submit). The asset carries out every received request: destinations first (while the person's destination ids
are still known), then the warehouse and the landing files, logging an acknowledgement per target in
activation.erasure_acknowledgements. It also re-applies the erasure register on every run, removing anyone
whose old records were loaded again.
"""

from collections.abc import Sequence

import dagster as dg

from connectors.destinations import erasure
from connectors.destinations.sync.destination import ErasureNotSupported
from connectors.sources import ALL_ENTITIES
from orchestration.activation.segments import DestinationSpec, SegmentSpec
from orchestration.ingest.assets import raw_key
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource

ERASURES = dg.AssetKey(["activation", "erasure_requests"])


def destination_uses(specs: Sequence[SegmentSpec]) -> dict[str, tuple[SegmentSpec, DestinationSpec]]:
    """Gives, per destination name, one segment that syncs there (to build its adapter for deletes)."""
    uses: dict[str, tuple[SegmentSpec, DestinationSpec]] = {}
    for segment in specs:
        for spec in segment.destinations:
            uses.setdefault(spec.to, (segment, spec))
    return uses


def build_erasure_asset(specs: Sequence[SegmentSpec]) -> dg.AssetsDefinition:
    uses = destination_uses(specs)

    @dg.asset(
        key=ERASURES,
        deps=[raw_key(e.table) for e in ALL_ENTITIES],
        group_name="activation",
        kinds={"duckdb"},
        pool=WAREHOUSE_POOL,
        required_resource_keys={"warehouse", *uses},
        automation_condition=dg.AutomationCondition.eager(),
        owners=["team:privacy"],
    )
    def erasure_requests(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        """Carries out deletion requests (PIPL art. 47, GDPR art. 17) everywhere Yuchi keeps the person, and
        keeps erased people out of reloaded data, keeping only SHA-256 hashes of their identifiers."""
        warehouse: WarehouseResource = context.resources.warehouse
        done, retried, acknowledged = [], [], []
        with warehouse.connect() as conn:
            for request in erasure.received_requests(conn):
                subject, keys, contact_ids = erasure.resolve(conn, request)
                erasure.register(conn, request.request_id, keys, contact_ids)
                acks = _erase_at_destinations(context, uses, subject)
                for ack in acks:
                    erasure.record_ack(conn, request.request_id, ack)
                acks += erasure.enforce_register(conn, keys, request.request_id)
                status = erasure.complete(conn, request.request_id, acks)
                (done if status == "completed" else retried).append(request.request_id)
                acknowledged += [f"{request.request_id}: {a.target}: {a.status}" for a in acks]
            reloaded = erasure.enforce_register(conn)
            registered = conn.execute("select count(*) from activation.erased_identifiers").fetchone()[0]
        for line in acknowledged:
            context.log.info(line)
        return dg.MaterializeResult(
            metadata={
                "requests_completed": len(done),
                "requests_to_retry": dg.MetadataValue.json(retried),
                "acknowledgements": dg.MetadataValue.json(acknowledged[:200]),
                "reloaded_rows_removed": dg.MetadataValue.json([f"{a.target}: {a.detail}" for a in reloaded]),
                "erased_identifier_hashes": int(registered),
            }
        )

    return erasure_requests


def _erase_at_destinations(context, uses, subject) -> list[erasure.Acknowledgement]:
    acks = []
    for name, (segment, spec) in sorted(uses.items()):
        try:
            destination = getattr(context.resources, name).build(segment, spec)
        except Exception as exc:  # noqa: BLE001 - a destination that cannot be built is a failed acknowledgement
            acks.append(erasure.Acknowledgement(f"destination {name}", "failed", f"cannot connect: {exc}"))
            continue
        try:
            acks.append(erasure.Acknowledgement(f"destination {name}", "done", destination.erase(subject)))
        except ErasureNotSupported as exc:
            acks.append(erasure.Acknowledgement(f"destination {name}", "not_supported", str(exc)))
        except Exception as exc:  # noqa: BLE001 - recorded, and the request is retried on the next run
            acks.append(erasure.Acknowledgement(f"destination {name}", "failed", str(exc)[:500]))
        finally:
            destination.close()
    return acks


def build_erased_stay_erased_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_key(table),
        name="erased_people_stay_erased",
        pool=WAREHOUSE_POOL,
        blocking=True,
        description="No record of a person erased on request (PIPL art. 47, GDPR art. 17) was loaded again; if "
        "one was, materialize activation/erasure_requests to remove it.",
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as conn:
            count = erasure.erased_rows(conn, "raw", table)
        return dg.AssetCheckResult(passed=count == 0, metadata={"rows_of_erased_people": int(count)})

    return _check


erased_stay_erased_checks = [build_erased_stay_erased_check(e.table) for e in ALL_ENTITIES]
