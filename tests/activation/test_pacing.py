"""The limiter keeps requests under the vendor's rolling window; back-off grows and is jittered."""

from __future__ import annotations

import random

from connectors.destinations.sync.destination import RateLimit
from connectors.destinations.sync.pacing import WINDOW_MARGIN, RetryPolicy, SlidingWindowLimiter


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_no_window_of_the_vendors_length_ever_holds_more_requests_than_the_limit():
    clock = Clock()
    limiter = SlidingWindowLimiter(RateLimit(190, 10.0), clock=clock, sleep=clock.sleep)
    starts = [limiter.acquire() for _ in range(950)]
    busiest = max(sum(1 for t in starts if s <= t < s + 10.0) for s in starts)
    window = 10.0 * WINDOW_MARGIN
    per_window = [sum(1 for t in starts if 100 + window * j <= t < 100 + window * (j + 1)) for j in range(5)]
    assert busiest == 190
    assert per_window == [190] * 5, "the limiter itself does not throttle below the limit"


def test_a_retry_after_pause_holds_every_request_until_it_has_passed():
    clock = Clock()
    limiter = SlidingWindowLimiter(None, clock=clock, sleep=clock.sleep)
    limiter.pause_until(clock.now + 2.5)
    assert limiter.acquire() >= 102.5


def test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half():
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=8.0)
    rng = random.Random(1)
    waits = [[policy.backoff(attempt, rng) for _ in range(200)] for attempt in (1, 2, 3, 6)]
    bounds = [(0.25, 0.5), (0.5, 1.0), (1.0, 2.0), (4.0, 8.0)]
    for samples, (low, high) in zip(waits, bounds, strict=True):
        assert low <= min(samples) and max(samples) <= high and len(set(samples)) > 100
