"""Fixtures for activation tests: a small warehouse, fake vendors on loopback and a sync helper."""

from __future__ import annotations

import itertools

import pytest

from connectors.destinations.hubspot import HubSpotConfig, HubSpotContacts
from connectors.destinations.sync.model import Mode
from connectors.destinations.sync.pacing import RetryPolicy
from connectors.destinations.sync.runner import SyncRequest, run_sync
from tests.activation import warehouse
from tests.fakes.hubspot import FakeHubSpot

FAST = RetryPolicy(max_attempts=8, backoff_base=0.02, backoff_cap=0.2)
_runs = itertools.count(1)


@pytest.fixture
def conn(tmp_path):
    connection = warehouse.build(tmp_path / "warehouse.duckdb", people=250)
    yield connection
    connection.close()


@pytest.fixture
def hubspot():
    fake = FakeHubSpot().start()
    yield fake
    fake.stop()


def hubspot_destination(fake: FakeHubSpot, mode: Mode = Mode.UPSERT, list_id: str | None = None, **config):
    settings = {"access_token": fake.token, "base_url": fake.url, "timeout": 2.0} | config
    return HubSpotContacts(HubSpotConfig(**settings), list_id=list_id, mode=mode)


def sync(
    conn,
    destination,
    mode: Mode = Mode.UPSERT,
    segment: str = "segment_test",
    policy=FAST,
    observer=None,
    sync_key=None,
    **options,
):
    """Runs one sync of segments.<segment> to the destination, as the Dagster asset would."""
    request = SyncRequest(
        sync_key=sync_key or f"{segment}:{destination.name}",
        segment=segment,
        segment_table=f"segments.{segment}",
        mode=mode,
        destination=destination,
        run_id=f"run{next(_runs)}",
        **options,
    )
    return run_sync(conn, request, observer=observer, policy=policy)
