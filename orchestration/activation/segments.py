"""Segments and tags as the analyst declared them: read from the dbt manifest, never from Python.

A model under models/segments/ whose YAML has `meta.segment` (or `meta.tag`) becomes a segment (or tag). Its
destinations turn into one plan asset and one sync asset each, so adding a segment needs no Python. Mistakes in
the meta (an unknown mode, a destination nobody configured) fail when the definitions load, naming the model's
YAML file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from connectors.destinations.sync.model import Mode
from connectors.destinations.sync.planner import AnomalyRule

SCORE_MODELS = ("lead_scores", "predicted_lead_scores", "lead_score_points")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class SegmentMetaError(ValueError):
    """A segment's meta cannot be used; the message names the YAML file and the field."""


@dataclass(frozen=True)
class DestinationSpec:
    """One destination of a segment, as written under meta.segment.destinations."""

    to: str
    mode: Mode
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def campaign(self) -> str | None:
        return self.options.get("campaign")


@dataclass(frozen=True)
class SegmentSpec:
    """A segment or tag model and what to do with its members."""

    model: str
    name: str
    kind: str  # segment or tag
    description: str
    schema: str
    path: str
    schedule: str | None = None
    score_driven: bool = False
    anomaly: AnomalyRule = AnomalyRule()
    destinations: tuple[DestinationSpec, ...] = ()

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.model}"

    @property
    def asset_key(self) -> dg.AssetKey:
        return dg.AssetKey([self.schema, self.model])

    def sync_key(self, destination: DestinationSpec) -> str:
        """Names the synced state of this segment at one destination (and campaign, for messages)."""
        base = f"{self.name}:{destination.to}"
        return f"{base}:{destination.campaign}" if destination.campaign else base


def segment_specs(manifest: Mapping[str, Any]) -> list[SegmentSpec]:
    """Gives every segment and tag declared in the manifest, sorted by name."""
    specs = []
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        meta = (node.get("config") or {}).get("meta") or node.get("meta") or {}
        for kind in ("segment", "tag"):
            if kind in meta:
                specs.append(_spec(node, kind, meta[kind] or {}))
    names = [s.name for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SegmentMetaError(f"segment/tag names must be unique; used twice: {', '.join(duplicates)}")
    return sorted(specs, key=lambda s: (s.kind, s.name))


def _spec(node: Mapping[str, Any], kind: str, meta: Mapping[str, Any]) -> SegmentSpec:
    where = node.get("patch_path") or node.get("original_file_path") or node["name"]
    where = str(where).split("://")[-1]
    name = meta.get("name") or node["name"].removeprefix(f"{kind}_")
    if not _NAME.match(str(name)):
        raise SegmentMetaError(f"{where}: meta.{kind}.name {name!r} must be lower_snake_case")
    depends = [n.split(".")[-1] for n in (node.get("depends_on") or {}).get("nodes", [])]
    score_driven = meta.get("score_driven")
    if score_driven is None:
        score_driven = any(d in SCORE_MODELS for d in depends)
    destinations = tuple(_destination(where, kind, d) for d in meta.get("destinations") or [])
    if kind == "tag" and destinations:
        raise SegmentMetaError(f"{where}: a tag labels contacts; give it destinations by making it a segment")
    anomaly = AnomalyRule(
        max_removal_fraction=float(meta.get("max_removal_fraction", AnomalyRule.max_removal_fraction)),
        min_members=int(meta.get("anomaly_min_members", AnomalyRule.min_members)),
    )
    return SegmentSpec(
        model=node["name"],
        name=str(name),
        kind=kind,
        description=node.get("description") or "",
        schema=(node.get("config") or {}).get("schema") or node.get("schema") or "segments",
        path=str(node.get("original_file_path") or ""),
        schedule=meta.get("schedule"),
        score_driven=bool(score_driven),
        anomaly=anomaly,
        destinations=destinations,
    )


def _destination(where: str, kind: str, entry: Any) -> DestinationSpec:
    if not isinstance(entry, Mapping) or "to" not in entry:
        raise SegmentMetaError(
            f"{where}: each entry of meta.{kind}.destinations needs `to: <destination name>`"
        )
    mode = entry.get("mode", "upsert")
    try:
        parsed = Mode(mode)
    except ValueError:
        allowed = ", ".join(m.value for m in Mode)
        raise SegmentMetaError(
            f"{where}: destination {entry['to']!r} has mode {mode!r}; use one of {allowed}"
        ) from None
    options = {k: v for k, v in entry.items() if k not in ("to", "mode")}
    return DestinationSpec(to=str(entry["to"]), mode=parsed, options=options)
