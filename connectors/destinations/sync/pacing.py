"""Pacing requests: a sliding-window limiter shared by every worker, and back-off with jitter.

The limiter keeps a sync under the vendor's documented rate (HubSpot: 190 requests per 10 s) so that 429s are
the exception; when one comes anyway, `pause_until` holds every worker until the Retry-After has passed.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from dataclasses import dataclass

from connectors.destinations.sync.destination import RateLimit

WINDOW_MARGIN = 1.02
"""The client's window is 2% longer than the vendor's: requests reach the vendor with varying delays, and a
window counted at our end could hold one request too many at theirs; one 429 costs more than 2%."""


class SlidingWindowLimiter:
    """Lets at most `limit.requests` requests start in any window of `limit.per_seconds` (+2%) seconds."""

    def __init__(self, limit: RateLimit | None, clock=time.monotonic, sleep=time.sleep):
        self.limit = limit
        self._window = limit.per_seconds * WINDOW_MARGIN if limit else 0.0
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Blocks until a request may start; gives the time it starts."""
        while True:
            with self._lock:
                now = self._clock()
                wait = self._paused_until - now
                if wait <= 0 and self.limit is not None:
                    cutoff = now - self._window
                    while self._starts and self._starts[0] <= cutoff:
                        self._starts.popleft()
                    if len(self._starts) >= self.limit.requests:
                        wait = self._starts[0] - cutoff  # > 0: anything at or before the cutoff was dropped
                if wait <= 0:
                    if self.limit is not None:
                        self._starts.append(now)
                    return now
            self._sleep(wait)

    def pause_until(self, moment: float) -> None:
        """Holds every request until `moment` (a clock reading), e.g. the end of a Retry-After."""
        with self._lock:
            self._paused_until = max(self._paused_until, moment)

    def now(self) -> float:
        return self._clock()


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one batch is retried within a run before its records are recorded as failed."""

    max_attempts: int = 6  # attempts on 5xx and timeouts
    backoff_base: float = 0.5  # seconds before the first retry (before jitter)
    backoff_cap: float = 30.0
    max_rate_limited_wait: float = (
        600.0  # total Retry-After a batch may wait before it is given up for this run
    )

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Gives the wait before retry number `attempt` (1-based): exponential, capped, with equal jitter."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
