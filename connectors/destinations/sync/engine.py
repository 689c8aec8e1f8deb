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
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

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
from connectors.destinations.sync.recovery import reconcile

Suppressor = Callable[[Sequence[Change]], Mapping[str, str]]
"""Gives record key -> reason for the changes that must not be sent (opted out, refused, erased)."""
Observer = Callable[[str, Mapping], None]
"""Receives engine events (request, rate_limited, acknowledged, ...) for metrics, benchmarks and tests."""

ACTION_ORDER = (Action.DELETE, Action.REMOVE, Action.UPDATE, Action.CREATE)
LOOKAHEAD_BATCHES = 4  # batches per worker screened and recorded as intents in one go
FLUSH_SECONDS = 0.25  # answers wait at most this long before they are recorded


@dataclass
class _Batch:
    number: int
    action: Action
    changes: list[Change]


@dataclass
class _Answered:
    """Destination answers taken but not yet recorded in the ledger."""

    changes: dict[str, Change] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    batches: int = 0
    since: float | None = None

    def add(self, changes: dict[str, Change], outcomes: list[Outcome]) -> None:
        self.changes |= changes
        self.outcomes += outcomes
        self.batches += 1
        self.since = self.since or time.monotonic()

    def due(self, workers: int) -> bool:
        return bool(self.outcomes) and (
            self.batches >= workers or time.monotonic() - (self.since or 0) >= FLUSH_SECONDS
        )

    def clear(self) -> None:
        self.changes, self.outcomes, self.batches, self.since = {}, [], 0, None


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

    def reconcile(self) -> dict[str, int]:
        """Settles the intents a killed run left `pending` (see recovery.reconcile)."""
        figures = reconcile(self.destination, self.ledger, self.sync_key, self.run_id)
        if figures["pending"]:
            self.observer("reconciled", figures)
        return figures

    # -- sending --------------------------------------------------------------------------------------------

    def run(self, changes: Sequence[Change]) -> Counts:
        """Sends the changes batch by batch; gives the counts for the run log. Raises SyncAborted at the end
        if the destination refused the credentials; a used-up quota stops early and defers the rest.

        Up to `max_in_flight` batches are in flight at once, so a destination's latency does not cap the
        throughput below its rate limit. The ledger is written in groups, so it keeps up: consent is checked
        and intents are recorded for a few batches ahead at once (seconds before they go out), and the
        answers of the batches that finished are recorded together, at least every FLUSH_SECONDS.
        """
        counts = Counts(planned=len(changes))
        waiting = deque(self._batches(changes))
        workers = max(1, self.destination.max_in_flight)
        ready: deque[_Batch] = deque()  # consent checked, intents recorded, not sent yet
        in_flight: dict[Future, _Batch] = {}
        answered = _Answered()
        with ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix=f"sync-{self.destination.kind}"
        ) as pool:
            while waiting or ready or in_flight:
                if self._stop_reason:
                    self._defer(waiting, ready, counts)
                if len(ready) < workers and waiting:
                    ahead = [waiting.popleft() for _ in range(min(LOOKAHEAD_BATCHES * workers, len(waiting)))]
                    ahead = self._screen(ahead, counts)
                    self.ledger.record_intents(
                        self.sync_key, self.run_id, [c for b in ahead for c in b.changes]
                    )
                    for batch in ahead:
                        self.observer(
                            "intents_recorded", {"batch": batch.number, "records": len(batch.changes)}
                        )
                    ready.extend(ahead)
                while ready and len(in_flight) < workers and not self._stop_reason:
                    batch = ready.popleft()
                    if self.destination.consent_channel:
                        # a message: check consent again at the moment it goes out, not a few batches ago
                        batch = next(iter(self._screen([batch], counts)), None)
                        if batch is None:
                            continue
                    counts.sent += len(batch.changes)
                    in_flight[pool.submit(self._deliver, batch.action, batch.changes, batch.number)] = batch
                if in_flight:
                    self._collect(in_flight, counts, answered)
                if answered.due(workers) or (answered.outcomes and not in_flight):
                    self._flush(answered)
        self._flush(answered)
        if self._fatal is not None:
            raise SyncAborted(str(self._fatal)) from self._fatal
        return counts

    def _defer(self, waiting: deque, ready: deque, counts: Counts) -> None:
        """Stops sending: what waits is left for a later run (ready intents are released, not sent)."""
        counts.deferred += sum(len(b.changes) for b in (*waiting, *ready))
        self.ledger.release(
            self.sync_key, [c for b in ready for c in b.changes], f"run stopped: {self._stop_reason}"
        )
        waiting.clear()
        ready.clear()

    def _batches(self, changes: Sequence[Change]) -> list[_Batch]:
        batches: list[_Batch] = []
        for action in ACTION_ORDER:
            group = [c for c in changes if c.action == action]
            size = max(1, self.destination.batch_size_for(action))
            for start in range(0, len(group), size):
                batches.append(_Batch(len(batches) + 1, action, group[start : start + size]))
        return batches

    def _screen(self, batches: list[_Batch], counts: Counts) -> list[_Batch]:
        """Drops changes consent forbids right now (checked at send time) and records them as suppressed."""
        screened = [c for b in batches for c in b.changes if b.action not in (Action.REMOVE, Action.DELETE)]
        if self.suppressor is None or not screened:
            return batches
        refused = self.suppressor(screened)
        if not refused:
            return batches
        outcomes = [Outcome(k, Status.SUPPRESSED, reason=r) for k, r in refused.items()]
        self.ledger.record_outcomes(self.sync_key, self.run_id, {c.record_key: c for c in screened}, outcomes)
        for outcome in outcomes:
            counts.add(outcome)
        self.observer("suppressed", {"batches": [b.number for b in batches], "records": sorted(refused)})
        kept = [
            _Batch(b.number, b.action, [c for c in b.changes if c.record_key not in refused]) for b in batches
        ]
        return [b for b in kept if b.changes]

    def _collect(self, in_flight: dict[Future, _Batch], counts: Counts, answered: _Answered) -> None:
        """Takes the answers of the batches that finished (waiting a little for the first one)."""
        done, _ = wait(list(in_flight), timeout=FLUSH_SECONDS, return_when=FIRST_COMPLETED)
        for future in done:
            batch = in_flight.pop(future)
            batch_keys = {c.record_key: c for c in batch.changes}
            try:
                outcomes = future.result()
            except (QuotaExhausted, DestinationMisconfigured) as exc:
                self._stop(exc)
                self.ledger.release(self.sync_key, batch.changes, str(exc))
                counts.sent -= len(batch.changes)
                counts.deferred += len(batch.changes)
                continue
            given = {o.record_key for o in outcomes}
            outcomes = [
                *outcomes,
                *(
                    Outcome(
                        k, Status.FAILED, reason=f"{self.destination.kind} gave no answer for this record"
                    )
                    for k in batch_keys
                    if k not in given
                ),
            ]
            self.observer("acknowledged", {"batch": batch.number, "records": len(outcomes)})
            answered.add(batch_keys, outcomes)
            for outcome in outcomes:
                counts.add(outcome)
                if outcome.status == Status.DELIVERED:
                    action = str(batch_keys[outcome.record_key].action)
                    counts.by_action[action] = counts.by_action.get(action, 0) + 1

    def _flush(self, answered: _Answered) -> None:
        """Records every answer taken so far in one transaction."""
        if not answered.outcomes:
            return
        self.ledger.record_outcomes(self.sync_key, self.run_id, answered.changes, answered.outcomes)
        self.observer("recorded", {"records": len(answered.outcomes)})
        answered.clear()

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
        uncertain: set[str] = set()  # may have reached a destination where resending would duplicate
        while changes:
            if self._stop_reason:
                raise QuotaExhausted(f"not attempted: the run stopped ({self._stop_reason})")
            if uncertain:
                try:
                    settled = self._settle(changes, uncertain)
                except (RateLimited, TransientError) as exc:
                    # reading back is safe to repeat: wait, then ask again before resending anything
                    attempt += 1
                    self.observer("transient_error", {"batch": batch, "attempt": attempt, "error": str(exc)})
                    wait = (
                        exc.retry_after
                        if isinstance(exc, RateLimited)
                        else self.policy.backoff(attempt, self._rng)
                    )
                    if attempt >= self.policy.max_attempts:
                        reason = f"could not read back after {attempt} attempts: {exc}; not resent"
                        return [*outcomes, *(Outcome(c.record_key, Status.UNKNOWN, reason=reason) for c in changes
                                             if c.record_key in uncertain),
                                *(Outcome(c.record_key, Status.FAILED, reason=reason) for c in changes
                                  if c.record_key not in uncertain)]  # fmt: skip
                    self._sleep(wait)
                    continue
                if settled:
                    attempt = 0
                outcomes += settled
                done = {o.record_key for o in settled}
                changes = [c for c in changes if c.record_key not in done]
                uncertain = set()
                if not changes:
                    return outcomes
            try:
                started = self.limiter.acquire()
                self.observer(
                    "request", {"batch": batch, "records": len(changes), "attempt": attempt, "at": started}
                )
                try:
                    return [*outcomes, *self.destination.send(action, changes)]
                except PartialDelivery as partial:
                    outcomes += partial.outcomes
                    settled_keys = {o.record_key for o in partial.outcomes}
                    changes = [c for c in changes if c.record_key not in settled_keys]
                    uncertain |= set(partial.uncertain)
                    if partial.outcomes:
                        attempt = 0  # progress: the retry budget is for a stuck request, not the batch
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
                if exc.ambiguous and not self.destination.resend_is_safe:
                    uncertain = {c.record_key for c in changes}
                if attempt >= self.policy.max_attempts:
                    reason = f"gave up after {attempt} attempts: {exc}"
                    return [
                        *outcomes,
                        *(
                            Outcome(
                                c.record_key,
                                Status.UNKNOWN if c.record_key in uncertain else Status.FAILED,
                                reason=reason,
                                http_status=exc.http_status,
                            )
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

    def _settle(self, changes: list[Change], uncertain: set[str]) -> list[Outcome]:
        """Asks the destination which uncertain changes arrived; those that cannot be asked about are unknown."""
        doubtful = [c for c in changes if c.record_key in uncertain]
        arrived = self.destination.read_back(doubtful)
        if arrived is None:
            reason = "outcome unknown after an interrupted request; not resent to avoid a duplicate"
            return [Outcome(c.record_key, Status.UNKNOWN, reason=reason) for c in doubtful]
        return [Outcome(k, Status.DELIVERED, external_id=v) for k, v in arrived.items()]
