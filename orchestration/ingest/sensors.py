"""The landing-file sensor: asks for a run of a channel's ingest assets when closed files land for it.

Files that are still being written end in '.open' (the collector's, docs/collector.md) and never match a
channel's file globs, so only closed files are handed over. The cursor remembers, per channel, the newest
inode-change time handed over and the names handed over within a slack window before it: a file is new when it
changed after (watermark - slack) and is not among those names. The cursor stays small however many files the
landing folder keeps, and a rename (how the collector closes a file) counts as a change. Handing a file over twice
is harmless (the loader loads each file once, by content hash); missing one is not, hence the slack.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from connectors.sources import CHANNEL_MODULES
from orchestration.ingest.assets import raw_key
from orchestration.resources import WarehouseResource

SLACK_NS = 120 * 1_000_000_000
"""Covers coarse file-system timestamps and a file closed while the previous evaluation was listing."""


@dataclass(frozen=True)
class LandedFile:
    """A closed landing file: its channel, path under the landing folder, and when its inode last changed (ns)."""

    channel: str
    name: str
    changed_ns: int


def channel_asset_keys(channel: str) -> list[dg.AssetKey]:
    """Gives the raw tables a channel's ingest assets materialize."""
    return [raw_key(entity.table) for entity in CHANNEL_MODULES[channel].ENTITIES]


def closed_landing_files(landing: Path) -> dict[str, list[LandedFile]]:
    """Lists, per channel, the files its entities' globs match (final names only, never '.open')."""
    found: dict[str, list[LandedFile]] = {}
    for channel, module in CHANNEL_MODULES.items():
        names: set[Path] = set()
        for entity in module.ENTITIES:
            folder = landing / entity.channel
            if folder.is_dir():
                for pattern in entity.files:
                    names.update(folder.glob(pattern.glob))
        files = []
        for path in sorted(names):
            if path.name.endswith(".open") or path.name.startswith("."):
                continue
            try:
                files.append(
                    LandedFile(channel, path.relative_to(landing).as_posix(), path.stat().st_ctime_ns)
                )
            except FileNotFoundError:  # moved away while listing
                continue
        found[channel] = files
    return found


def new_files(found: dict[str, list[LandedFile]], cursor: str | None) -> tuple[dict[str, list[str]], str]:
    """Gives the names not handed over yet per channel (only channels with some) and the cursor after them."""
    state = json.loads(cursor) if cursor else {}
    fresh: dict[str, list[str]] = {}
    after: dict[str, dict] = {}
    for channel, files in found.items():
        previous = state.get(channel, {})
        watermark = int(previous.get("watermark_ns", 0))
        handed = set(previous.get("recent", []))
        names = [f.name for f in files if f.changed_ns > watermark - SLACK_NS and f.name not in handed]
        if names:
            fresh[channel] = names
        newest = max([watermark, *(f.changed_ns for f in files)])
        after[channel] = {
            "watermark_ns": newest,
            "recent": sorted(f.name for f in files if f.changed_ns >= newest - SLACK_NS),
        }
    return fresh, json.dumps(after, sort_keys=True)


@dg.sensor(
    name="landing_files_sensor",
    target=dg.AssetSelection.assets(*(k for channel in CHANNEL_MODULES for k in channel_asset_keys(channel))),
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Asks for a run of a channel's ingest assets when closed files land in landing/<channel>/ "
    "(the collector's or any export); '.open' files are still being written and wait.",
)
def landing_files_sensor(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult:
    found = closed_landing_files(warehouse.paths().landing)
    fresh, cursor = new_files(found, context.cursor)
    requests = []
    for channel, names in sorted(fresh.items()):
        digest = hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()[:16]
        context.log.info(f"{channel}: {len(names)} new closed file(s), e.g. {names[:3]}")
        requests.append(
            dg.RunRequest(
                run_key=f"landing-{channel}-{digest}",
                asset_selection=channel_asset_keys(channel),
                tags={"yuchi/landing_channel": channel, "yuchi/new_landing_files": str(len(names))},
            )
        )
    if not requests:
        return dg.SensorResult(skip_reason="no new closed landing files", cursor=cursor)
    return dg.SensorResult(run_requests=requests, cursor=cursor)
