"""Settling what a killed sync left behind: intents written, answers never recorded.

Runs before anything new is planned. Where the destination can be read back, what arrived is recorded as
delivered and the rest is planned again; where it cannot, an intent whose resend is safe (upsert by key, a
deduplicating id still inside the vendor's window) is released and planned again with the same idempotency
key; otherwise it is recorded as `unknown` and not resent, because a second message to a person is worse
than a missing one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from connectors.destinations.sync.destination import Destination
from connectors.destinations.sync.ledger import Ledger
from connectors.destinations.sync.model import Action, Change, Outcome, Status

READ_BACK_ACTIONS = (
    Action.UPDATE,
    Action.CREATE,
)  # a removal cannot be read back; removing again is harmless


def reconcile(destination: Destination, ledger: Ledger, sync_key: str, run_id: str) -> dict[str, int]:
    """Settles the pending intents of one sync; gives how many were pending, confirmed, released, unknown."""
    pending = ledger.pending(sync_key)
    figures = {"pending": len(pending), "confirmed": 0, "released": 0, "unknown": 0}
    if not pending:
        return figures
    changes = [p.change for p in pending]
    found = read_back(destination, changes)
    outcomes: list[Outcome] = []
    released: list[Change] = []
    for intent in pending:
        change = intent.change
        if found is not None and change.record_key in found:
            outcomes.append(Outcome(change.record_key, Status.DELIVERED, found[change.record_key]))
            figures["confirmed"] += 1
        elif found is not None or resend_is_safe(destination, intent.intended_at):
            released.append(change)
            figures["released"] += 1
        else:
            reason = (
                "a run stopped after sending and before the answer was recorded; "
                f"{destination.kind} cannot be asked whether it arrived, so it is not resent"
            )
            outcomes.append(Outcome(change.record_key, Status.UNKNOWN, reason=reason))
            figures["unknown"] += 1
    ledger.record_outcomes(sync_key, run_id, {c.record_key: c for c in changes}, outcomes)
    ledger.release(sync_key, released, "not at the destination after a crash: planned again")
    return figures


def resend_is_safe(destination: Destination, intended_at: datetime) -> bool:
    """Tells whether sending a change again, first attempted at `intended_at`, cannot duplicate it."""
    if not destination.resend_is_safe:
        return False
    window = destination.resend_window_seconds
    age = (datetime.now(UTC).replace(tzinfo=None) - intended_at).total_seconds()
    return window is None or age < window


def read_back(destination: Destination, changes: Sequence[Change]) -> dict[str, str | None] | None:
    """Gives record key -> destination id of the changes already at the destination; None if it cannot say."""
    found: dict[str, str | None] = {}
    for action in READ_BACK_ACTIONS:
        group = [c for c in changes if c.action == action]
        size = destination.batch_size_for(action)
        for start in range(0, len(group), size):
            answer = destination.read_back(group[start : start + size])
            if answer is None:
                return None
            found.update(answer)
    return found
