"""yuchi-activation: confirming an anomalous removal, recording a deletion request, reading the run log."""

from __future__ import annotations

import duckdb
import pytest

from connectors.destinations.cli import main
from connectors.destinations.sync.runner import pending_confirmation
from tests.activation import warehouse
from tests.activation.conftest import sync
from tests.fakes.hubspot import FakeHubSpot


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("YUCHI_HOME", str(tmp_path))
    monkeypatch.delenv("YUCHI_WAREHOUSE", raising=False)
    warehouse.build(tmp_path / "warehouse.duckdb", people=30).close()
    return tmp_path


def test_confirm_then_erase_then_status(home, capsys):
    main(["confirm", "test:hubspot", "--max-leaving", "12", "--by", "li.na", "--note", "old list"])
    main(["erase", "--email", "Person3@Example.cn", "--reason", "ticket 42"])
    with duckdb.connect(str(home / "warehouse.duckdb")) as conn:
        assert pending_confirmation(conn, "test:hubspot", 12) and not pending_confirmation(
            conn, "test:hubspot", 13
        )
        assert conn.execute("select reason, status from activation.erasure_requests").fetchall() == [
            ("ticket 42", "received")
        ]
        with FakeHubSpot() as fake:
            from tests.activation.conftest import hubspot_destination

            sync(conn, hubspot_destination(fake), sync_key="test:hubspot")
    main(["status"])
    out = capsys.readouterr().out
    assert "may remove up to 12 members once" in out and "del_" in out
    assert "test:hubspot" in out and "succeeded" in out


def test_an_unusable_identifier_is_refused_with_the_reason(home):
    with pytest.raises(SystemExit, match="phone '12' is unusable"):
        main(["erase", "--phone", "12", "--reason", "ticket 43"])
