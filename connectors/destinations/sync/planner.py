"""The diff: a segment's members against the last synced state of one destination, by key and payload hash.

Only records whose payload changed (or that entered or left) become changes, so a sync of 100,000 contacts
with 1% changed sends about 1,000 records. The plan is also the dry-run: it says what would be created,
updated and removed without sending anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.destinations.sync.destination import Destination
from connectors.destinations.sync.model import (
    Action,
    Change,
    InvalidRecord,
    Mode,
    idempotency_key,
    payload_hash,
)

REMOVED_PAYLOAD: dict[str, Any] = {"membership": "removed"}


@dataclass(frozen=True)
class SyncedState:
    """What the destination holds for one record after the last acknowledged change."""

    payload_hash: str | None
    external_id: str | None
    present: bool  # at the destination (or in its list); false after a removal or deletion
    sequence: int  # acknowledged changes so far
    last_status: str = "delivered"


@dataclass(frozen=True)
class AnomalyRule:
    """More than `max_removal_fraction` of the synced members leaving at once blocks the sync until confirmed.

    Segments smaller than `min_members` are exempt: 2 of 5 leaving is normal churn, not a broken model.
    """

    max_removal_fraction: float = 0.30
    min_members: int = 20


@dataclass
class Plan:
    """The changes one sync would make, and why the rest need nothing."""

    sync_key: str
    mode: Mode
    changes: list[Change] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(
        default_factory=list
    )  # (record key, reason) refused before sending
    unchanged: int = 0
    members: int = 0
    previously_present: int = 0
    leaving: int = 0  # synced members no longer in the segment
    given_up: int = 0  # records the destination refused too often with this same payload

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def removal_fraction(self) -> float:
        return self.leaving / self.previously_present if self.previously_present else 0.0

    def anomaly(self, rule: AnomalyRule) -> str | None:
        """Gives why this plan looks like a broken segment rather than real churn, or None."""
        if self.mode == Mode.DELETE or self.previously_present < rule.min_members:
            return None
        if self.removal_fraction > rule.max_removal_fraction:
            return (
                f"{self.leaving} of {self.previously_present} synced members ({self.removal_fraction:.0%}) would "
                f"leave {self.sync_key} at once, above the {rule.max_removal_fraction:.0%} limit"
            )
        return None

    def summary(self) -> dict[str, int]:
        return {
            "members": self.members,
            "planned_creates": self.count(Action.CREATE),
            "planned_updates": self.count(Action.UPDATE),
            "planned_removals": self.count(Action.REMOVE) + self.count(Action.DELETE),
            "unchanged": self.unchanged,
            "invalid": len(self.invalid),
            "given_up": self.given_up,
            "leaving": self.leaving,
        }


def plan_sync(
    sync_key: str,
    mode: Mode,
    destination: Destination,
    profiles: Iterable[Mapping[str, Any]],
    state: Mapping[str, SyncedState],
    given_up: Mapping[str, str] | None = None,
    key_column: str = "contact_id",
) -> Plan:
    """Gives the changes that bring the destination in line with the segment's members under `mode`.

    `given_up` maps record keys to the payload hash the destination kept refusing: that payload is not sent
    again until it changes.
    """
    if mode not in destination.modes:
        allowed = ", ".join(sorted(destination.modes))
        raise ValueError(
            f"{sync_key}: {destination.kind} does not support mode '{mode}' (supported: {allowed})"
        )
    given_up = given_up or {}
    plan = Plan(sync_key=sync_key, mode=mode)
    plan.previously_present = sum(1 for s in state.values() if s.present)
    seen: set[str] = set()
    for profile in profiles:
        key = str(profile[key_column])
        if key in seen:
            raise ValueError(f"{sync_key}: record {key!r} appears twice among the segment's members")
        seen.add(key)
        plan.members += 1
        synced = state.get(key)
        try:
            payload = destination.payload(profile)
        except InvalidRecord as exc:
            plan.invalid.append((key, str(exc)))
            continue
        hashed = payload_hash(payload)
        action = _action_for(mode, synced, hashed)
        if action is None:
            plan.unchanged += 1
        elif given_up.get(key) == hashed:
            plan.given_up += 1
        else:
            plan.changes.append(_change(sync_key, key, action, payload, hashed, synced))
    for key, synced in state.items():
        if key in seen or not synced.present:
            continue
        plan.leaving += 1
        if mode == Mode.MIRROR:
            hashed = payload_hash(REMOVED_PAYLOAD)
            plan.changes.append(_change(sync_key, key, Action.REMOVE, REMOVED_PAYLOAD, hashed, synced))
    return plan


def _action_for(mode: Mode, synced: SyncedState | None, hashed: str) -> Action | None:
    if mode == Mode.DELETE:
        already_gone = (
            synced is not None and not synced.present and synced.last_status in ("delivered", "skipped")
        )
        return None if already_gone else Action.DELETE
    if mode == Mode.INSERT_ONLY:
        return Action.CREATE if synced is None else None
    if mode == Mode.UPDATE_ONLY:
        return Action.UPDATE if synced is None or synced.payload_hash != hashed else None
    # upsert and mirror
    if synced is None or not synced.present:
        return Action.CREATE
    return Action.UPDATE if synced.payload_hash != hashed else None


def _change(
    sync_key: str,
    key: str,
    action: Action,
    payload: Mapping[str, Any],
    hashed: str,
    synced: SyncedState | None,
) -> Change:
    sequence = synced.sequence if synced else 0
    return Change(
        record_key=key,
        action=action,
        payload=payload,
        payload_hash=hashed,
        idempotency_key=idempotency_key(sync_key, key, hashed, action, sequence),
        external_id=synced.external_id if synced else None,
    )
