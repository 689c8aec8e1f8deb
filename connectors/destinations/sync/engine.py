"""Executes a plan against a destination: batches, pacing, retries, batch splitting and the ledger.

Guarantees, whatever the destination does:
- an intent is in the ledger before its change is sent, and the outcome after the answer, so a crash at any
  point leaves a trace the next run reconciles (see `reconcile`);
- 429s are honoured: every worker waits at least Retry-After before its next request;
- 5xx and timeouts are retried with exponential back-off and jitter; a change whose first attempt may have
  reached the destination is only resent where resending cannot duplicate it (upsert by key, webhook-id,
  client_msg_id) or after reading back that it did not arrive;
- a request refused for its content is split in halves until the bad record stands alone, so one bad record
  does not fail its 99 neighbours;
- consent is checked batch by batch, just before sending, not only when the segment was built.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime

from connectors.destinations.sync.destination import Destination, OneRequestPerRecord
from connectors.destinations.sync.ledger import Ledger
from connectors.destinations.sync.model import (
    Action,
    BatchRejected,
    Change,
    Counts,
    DestinationMisconfigured,
    Outcome,
    PartialDelivery,
    QuotaExhausted,
    RateLimited,
    Status,
    TransientError,
)
from connectors.destinations.sync.pacing import RetryPolicy, SlidingWindowLimiter

Suppressor = Callable[[Sequence[Change]], Mapping[str, str]]
"""Gives record key -> reason for the changes that must not be sent (opted out, refused, erased)."""
Observer = Callable[[str, Mapping], None]
"""Receives engine events (request, rate_limited, acknowledged, ...) for metrics, benchmarks and tests."""

ACTION_ORDER = (Action.DELETE, Action.REMOVE, Action.UPDATE, Action.CREATE)


@dataclass
class _Batch:
    number: int
    action: Action
    changes: list[Change]


class SyncAborted(Exception):
    """The run stopped before every change was attempted (quota, credentials); the reason says which."""


class SyncEngine:
    """Sends one sync's changes to one destination and keeps the ledger in step."""

    def __init__(
        self,
        destination: Destination,
        ledger: Ledger,
        sync_key: str,
        run_id: str,
        suppressor: Suppressor | None = None,
        observer: Observer | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        self.destination = destination
        self.ledger = ledger
        self.sync_key = sync_key
        self.run_id = run_id
        self.suppressor = suppressor
        self.observer = observer or (lambda event, data: None)
        self.policy = policy or RetryPolicy()
        self.limiter = SlidingWindowLimiter(destination.rate_limit, sleep=sleep)
        if isinstance(destination, OneRequestPerRecord):
            destination.pace = self.limiter.acquire
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._stop_reason: str | None = None
        self._fatal: Exception | None = None
        self._lock = threading.Lock()

    # -- reconciliation -------------------------------------------------------------------------------------

    def reconcile(self) -> dict[str, int]:
        """Settles the intents a killed run left `pending`, before anything new is planned.

        Read back from the destination where its API allows: what arrived is recorded as delivered. Where it
        cannot be read back, an intent whose resend is safe is released (the diff plans it again with the same
        idempotency key); otherwise it is recorded as `unknown` and not resent, because a second message to a
        person is worse than a missing one.
        """
        pending = self.ledger.pending(self.sync_key)
        figures = {"pending": len(pending), "confirmed": 0, "released": 0, "unknown": 0}
        if not pending:
            return figures
        changes = [p.change for p in pending]
        by_key = {c.record_key: c for c in changes}
        found = self._read_back(changes)
        outcomes: list[Outcome] = []
        released: list[Change] = []
        for intent in pending:
            change = intent.change
            if found is not None and change.record_key in found:
                outcomes.append(Outcome(change.record_key, Status.DELIVERED, found[change.record_key]))
                figures["confirmed"] += 1
            elif found is not None or self._resend_is_safe(intent.intended_at):
                released.append(change)
                figures["released"] += 1
            else:
                outcomes.append(
                    Outcome(
                        change.record_key,
                        Status.UNKNOWN,
                        reason="a run stopped after sending and before the answer was recorded; "
                        f"{self.destination.kind} cannot be asked whether it arrived, so it is not resent",
                    )
                )
                figures["unknown"] += 1
        self.ledger.record_outcomes(self.sync_key, self.run_id, by_key, outcomes)
        self.ledger.release(self.sync_key, released, "not at the destination after a crash: planned again")
        self.observer("reconciled", figures)
        return figures

    def _resend_is_safe(self, intended_at: datetime) -> bool:
        window = self.destination.resend_window_seconds
        if not self.destination.resend_is_safe:
            return False
        return (
            window is None or (datetime.now(UTC).replace(tzinfo=None) - intended_at).total_seconds() < window
        )

    def _read_back(self, changes: Sequence[Change]) -> dict[str, str | None] | None:
        found: dict[str, str | None] = {}
        for action in ACTION_ORDER:
            group = [c for c in changes if c.action == action]
            if not group:
                continue
            if action in (Action.REMOVE, Action.DELETE):
                # a removal cannot be read back as "arrived"; removing again is harmless everywhere
                continue
            size = self.destination.batch_size_for(action)
            for start in range(0, len(group), size):
                answer = self.destination.read_back(group[start : start + size])
                if answer is None:
                    return None
                found.update(answer)
        return found

    # -- sending --------------------------------------------------------------------------------------------

    def run(self, changes: Sequence[Change]) -> Counts:
        """Sends the changes batch by batch; gives the counts for the run log. Raises SyncAborted at the end
        if the destination refused the credentials; a used-up quota stops early and defers the rest."""
        counts = Counts(planned=len(changes))
        batches = self._batches(changes)
        workers = max(1, self.destination.max_in_flight)
        in_flight: dict[Future, _Batch] = {}
        with ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=f"sync-{self.destination.kind}"
        ) as pool:
            for batch in batches:
                while len(in_flight) >= workers:
                    self._collect(in_flight, counts, return_when=FIRST_COMPLETED)
                if self._stop_reason:
                    counts.deferred += len(batch.changes)
                    continue
                to_send = self._screen(batch, counts)
                if not to_send:
                    continue
                self.ledger.record_intents(self.sync_key, self.run_id, to_send)
                self.observer("intents_recorded", {"batch": batch.number, "records": len(to_send)})
                counts.sent += len(to_send)
                future = pool.submit(self._deliver, batch.action, to_send, batch.number)
                in_flight[future] = _Batch(batch.number, batch.action, to_send)
            while in_flight:
                self._collect(in_flight, counts, return_when=FIRST_COMPLETED)
        if self._fatal is not None:
            raise SyncAborted(str(self._fatal)) from self._fatal
        return counts

    def _batches(self, changes: Sequence[Change]) -> list[_Batch]:
        batches: list[_Batch] = []
        for action in ACTION_ORDER:
            group = [c for c in changes if c.action == action]
            size = max(1, self.destination.batch_size_for(action))
            for start in range(0, len(group), size):
                batches.append(_Batch(len(batches) + 1, action, group[start : start + size]))
        return batches

    def _screen(self, batch: _Batch, counts: Counts) -> list[Change]:
        """Drops changes consent forbids right now (checked at send time) and records them as suppressed."""
        if self.suppressor is None or batch.action in (Action.REMOVE, Action.DELETE):
            return batch.changes
        refused = self.suppressor(batch.changes)
        if not refused:
            return batch.changes
        outcomes = [Outcome(k, Status.SUPPRESSED, reason=r) for k, r in refused.items()]
        by_key = {c.record_key: c for c in batch.changes}
        self.ledger.record_outcomes(self.sync_key, self.run_id, by_key, outcomes)
        for outcome in outcomes:
            counts.add(outcome)
        self.observer("suppressed", {"batch": batch.number, "records": sorted(refused)})
        return [c for c in batch.changes if c.record_key not in refused]

    def _collect(self, in_flight: dict[Future, _Batch], counts: Counts, return_when) -> None:
        done, _ = wait(list(in_flight), return_when=return_when)
        for future in done:
            batch = in_flight.pop(future)
            by_key = {c.record_key: c for c in batch.changes}
            try:
                outcomes = future.result()
            except (QuotaExhausted, DestinationMisconfigured) as exc:
                self._stop(exc)
                self.ledger.release(self.sync_key, batch.changes, str(exc))
                counts.sent -= len(batch.changes)
                counts.deferred += len(batch.changes)
                continue
            answered = {o.record_key for o in outcomes}
            missing = [k for k in by_key if k not in answered]
            if missing:
                outcomes = [
                    *outcomes,
                    *(
                        Outcome(
                            k, Status.FAILED, reason=f"{self.destination.kind} gave no answer for this record"
                        )
                        for k in missing
                    ),
                ]
            self.observer("acknowledged", {"batch": batch.number, "records": len(outcomes)})
            self.ledger.record_outcomes(self.sync_key, self.run_id, by_key, outcomes)
            self.observer("recorded", {"batch": batch.number, "records": len(outcomes)})
            for outcome in outcomes:
                counts.add(outcome)
                if outcome.status == Status.DELIVERED:
                    action = by_key[outcome.record_key].action
                    counts.by_action[str(action)] = counts.by_action.get(str(action), 0) + 1

    def _stop(self, exc: Exception) -> None:
        with self._lock:
            if self._stop_reason is None:
                self._stop_reason = str(exc)
            if isinstance(exc, DestinationMisconfigured):
                self._fatal = exc

    def _deliver(self, action: Action, changes: list[Change], batch: int) -> list[Outcome]:
        """Sends one batch until every change has an outcome (runs in a worker thread)."""
        attempt = 0
        waited_for_rate_limit = 0.0
        outcomes: list[Outcome] = []
        must_read_back = False  # an earlier attempt may have reached a destination where resending duplicates
        while changes:
            if self._stop_reason:
                raise QuotaExhausted(f"not attempted: the run stopped ({self._stop_reason})")
            try:
                if must_read_back:
                    arrived = self.destination.read_back(changes)
                    if arrived is None:
                        reason = (
                            "outcome unknown after an interrupted request; not resent to avoid a duplicate"
                        )
                        return [
                            *outcomes,
                            *(Outcome(c.record_key, Status.UNKNOWN, reason=reason) for c in changes),
                        ]
                    outcomes += [Outcome(k, Status.DELIVERED, external_id=v) for k, v in arrived.items()]
                    changes = [c for c in changes if c.record_key not in arrived]
                    must_read_back = False
                    if not changes:
                        return outcomes
                started = self.limiter.acquire()
                self.observer(
                    "request", {"batch": batch, "records": len(changes), "attempt": attempt, "at": started}
                )
                try:
                    return [*outcomes, *self.destination.send(action, changes)]
                except PartialDelivery as partial:
                    outcomes += partial.outcomes
                    settled = {o.record_key for o in partial.outcomes}
                    changes = [c for c in changes if c.record_key not in settled]
                    raise partial.cause from None
            except RateLimited as exc:
                now = self.limiter.now()
                self.limiter.pause_until(now + exc.retry_after)
                waited_for_rate_limit += exc.retry_after
                self.observer("rate_limited", {"batch": batch, "retry_after": exc.retry_after, "at": now})
                if waited_for_rate_limit > self.policy.max_rate_limited_wait:
                    reason = f"still rate limited after waiting {waited_for_rate_limit:.0f}s: {exc}"
                    return [
                        *outcomes,
                        *(Outcome(c.record_key, Status.FAILED, reason=reason) for c in changes),
                    ]
            except TransientError as exc:
                attempt += 1
                self.observer("transient_error", {"batch": batch, "attempt": attempt, "error": str(exc)})
                must_read_back = must_read_back or (exc.ambiguous and not self.destination.resend_is_safe)
                if attempt >= self.policy.max_attempts:
                    status = Status.UNKNOWN if must_read_back else Status.FAILED
                    reason = f"gave up after {attempt} attempts: {exc}"
                    return [
                        *outcomes,
                        *(
                            Outcome(c.record_key, status, reason=reason, http_status=exc.http_status)
                            for c in changes
                        ),
                    ]
                self._sleep(self.policy.backoff(attempt, self._rng))
            except BatchRejected as exc:
                if len(changes) == 1:
                    failed = Outcome(
                        changes[0].record_key, Status.FAILED, reason=str(exc), http_status=exc.http_status
                    )
                    return [*outcomes, failed]
                self.observer("batch_split", {"batch": batch, "records": len(changes), "error": str(exc)})
                middle = len(changes) // 2
                return [
                    *outcomes,
                    *self._deliver(action, changes[:middle], batch),
                    *self._deliver(action, changes[middle:], batch),
                ]
        return outcomes
