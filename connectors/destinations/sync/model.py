"""What a sync moves: the modes, the planned changes and the destination's answer for each record.

These records cross the boundary between the planner, the engine, the ledger and every destination adapter,
so they live here, apart from any of them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Mode(StrEnum):
    """How a segment's membership maps onto a destination."""

    UPSERT = "upsert"  # create new members, update changed ones; leavers stay at the destination
    UPDATE_ONLY = "update_only"  # update records the destination already has; never create
    INSERT_ONLY = "insert_only"  # create (or send to) each member once; never update
    MIRROR = "mirror"  # the destination's list is exactly the segment: add entrants, remove leavers
    DELETE = "delete"  # delete every member from the destination


class Action(StrEnum):
    """What one planned change does at the destination."""

    CREATE = "create"
    UPDATE = "update"
    REMOVE = "remove"  # leave a list (mirror mode); the record itself stays
    DELETE = "delete"  # delete the record


class Status(StrEnum):
    """The outcome of one change."""

    DELIVERED = "delivered"  # the destination acknowledged it
    FAILED = "failed"  # the destination refused it; retried on a later run
    SKIPPED = (
        "skipped"  # nothing to do there (update-only and not at the destination; insert-only and present)
    )
    SUPPRESSED = "suppressed"  # consent says no: never sent
    UNKNOWN = "unknown"  # sent, answer lost, the destination cannot be asked and resending could duplicate


@dataclass(frozen=True)
class Change:
    """One planned change: a record, what to do with it and the payload the destination will receive."""

    record_key: str
    action: Action
    payload: Mapping[str, Any]
    payload_hash: str
    idempotency_key: str
    external_id: str | None = None  # the destination's id of the record, when a previous sync learned it


@dataclass(frozen=True)
class Outcome:
    """The destination's answer for one change."""

    record_key: str
    status: Status
    external_id: str | None = None
    reason: str | None = None
    http_status: int | None = None


@dataclass
class Counts:
    """Planned, sent, succeeded and failed changes of one sync run: the run log's numbers."""

    planned: int = 0
    sent: int = 0
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    suppressed: int = 0
    unknown: int = 0
    deferred: int = 0  # not attempted because the run stopped early (quota exhausted)
    by_action: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: Outcome) -> None:
        attribute = {
            Status.DELIVERED: "succeeded",
            Status.FAILED: "failed",
            Status.SKIPPED: "skipped",
            Status.SUPPRESSED: "suppressed",
            Status.UNKNOWN: "unknown",
        }[outcome.status]
        setattr(self, attribute, getattr(self, attribute) + 1)


class InvalidRecord(ValueError):
    """A record that cannot be turned into this destination's payload (no email for an email, ...)."""


class DeliveryError(Exception):
    """A request to the destination did not give per-record answers."""


class RateLimited(DeliveryError):
    """The destination said 429 (or its equivalent): wait at least `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float):
        super().__init__(message)
        self.retry_after = retry_after


class TransientError(DeliveryError):
    """A 5xx, a timeout or a dropped connection: worth retrying after a back-off.

    `ambiguous` means the destination may have acted on the request before the answer was lost.
    """

    def __init__(self, message: str, ambiguous: bool = True, http_status: int | None = None):
        super().__init__(message)
        self.ambiguous = ambiguous
        self.http_status = http_status


class BatchRejected(DeliveryError):
    """The destination refused the whole request because of its content: split it to find the bad record."""

    def __init__(self, message: str, http_status: int | None = None):
        super().__init__(message)
        self.http_status = http_status


class PartialDelivery(DeliveryError):
    """A request-per-record destination stopped part way: `outcomes` are settled, `cause` applies to the rest."""

    def __init__(self, outcomes: list[Outcome], cause: DeliveryError, uncertain: tuple[str, ...] = ()):
        super().__init__(str(cause))
        self.outcomes = outcomes
        self.cause = cause
        self.uncertain = uncertain  # record keys that may have arrived: read them back before resending


class QuotaExhausted(DeliveryError):
    """A daily or account quota is used up: stop this run; what is left goes out on a later run."""


class DestinationMisconfigured(DeliveryError):
    """Credentials refused or the destination is set up wrongly: stop; no retry can help."""


def canonical_json(value: Any) -> str:
    """Gives the one JSON text of a value (sorted keys, no spaces), so equal payloads hash equally."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def payload_hash(payload: Mapping[str, Any]) -> str:
    """Gives the SHA-256 of a payload's canonical JSON."""
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def idempotency_key(
    sync_key: str, record_key: str, hashed_payload: str, action: Action, sequence: int
) -> str:
    """Gives the key that names one delivery: the same on every retry and rerun until it is acknowledged.

    (sync, record, payload hash) names the delivery; the action and the record's count of acknowledged
    changes tell apart a record that leaves a list and comes back with the same payload.
    """
    text = f"{sync_key}\x1f{record_key}\x1f{hashed_payload}\x1f{action}\x1f{sequence}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
