"""Syncing leads to Salesforce (sObject Collections on loopback) and to the built-in CRM (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from connectors.destinations.light_crm import LightCrmLeads
from connectors.destinations.salesforce import SalesforceConfig, SalesforceLeads
from connectors.destinations.sync.model import Mode
from tests.activation import warehouse
from tests.activation.conftest import sync
from tests.fakes.salesforce import FakeSalesforce
from tests.fakes.server import Faults
from tests.platform.postgres import fresh_database


def salesforce(fake: FakeSalesforce, mode: Mode = Mode.UPSERT, in_flight: int = 4) -> SalesforceLeads:
    return SalesforceLeads(
        SalesforceConfig(fake.url, fake.token, timeout=2.0, max_in_flight=in_flight), mode=mode
    )


def test_salesforce_upserts_by_external_id_and_records_the_one_rejected_record_per_batch(conn):
    conn.execute(
        "update marts.dim_contacts set email = 'bad-address' where contact_id in ('c_000010', 'c_000210')"
    )
    with FakeSalesforce(faults=Faults(rate=0.3, kinds=("500", "500_after", "429"), seed=1)) as fake:
        report = sync(conn, salesforce(fake))
        again = sync(conn, salesforce(fake))
        leads = fake.by_external_id()
    reasons = dict(conn.execute("select record_key, reason from activation.sync_failures").fetchall())
    assert report.figures()["succeeded"] == 248 and report.figures()["failed"] == 2
    assert "INVALID_EMAIL_ADDRESS" in reasons["c_000010"] and "INVALID_EMAIL_ADDRESS" in reasons["c_000210"]
    assert len(leads) == 248 and len(fake.creations) == len(set(fake.creations)) == 248
    assert (
        leads["c_000001"]["LastName"] == warehouse.person(1)["full_name"][0]
        and leads["c_000001"]["Company"] == "公司1"
    )
    assert again.figures()["sent"] == 2, "the next run only retries the two refused records"


def test_salesforce_update_only_insert_only_and_delete(conn):
    with FakeSalesforce() as fake:
        warehouse.set_members(conn, "segment_test", range(5))
        sync(conn, salesforce(fake))
        warehouse.set_members(conn, "segment_test", range(8))
        warehouse.touch_scores(conn, range(8))
        updates = sync(conn, salesforce(fake, Mode.UPDATE_ONLY), Mode.UPDATE_ONLY, sync_key="t:update")
        inserts = sync(conn, salesforce(fake, Mode.INSERT_ONLY), Mode.INSERT_ONLY, sync_key="t:insert")
        warehouse.set_members(conn, "segment_test", range(3))
        deletes = sync(conn, salesforce(fake, Mode.DELETE), Mode.DELETE, sync_key="t:delete")
        remaining = sorted(fake.by_external_id())
    assert (updates.figures()["succeeded"], updates.figures()["skipped"]) == (5, 3)
    assert (inserts.figures()["succeeded"], inserts.figures()["skipped"]) == (3, 5)
    assert deletes.figures()["removed"] == 3 and remaining == [f"c_{i:06d}" for i in range(3, 8)]


def test_salesforce_quota_exhausted_defers_the_rest_to_a_later_run(conn):
    with FakeSalesforce(api_quota=1) as fake:
        report = sync(conn, salesforce(fake, in_flight=1))
        fake.api_quota = None
        later = sync(conn, salesforce(fake))
    assert report.figures()["deferred"] == 50 and report.status == "partial"
    assert later.figures()["succeeded"] + report.figures()["succeeded"] == 250


def test_light_crm_keeps_sales_fields_and_mirrors_segment_lists(conn, tmp_path):
    url = f"sqlite:///{tmp_path / 'crm.db'}"
    sync(conn, LightCrmLeads(url, mode=Mode.MIRROR, list_name="nurture"), Mode.MIRROR)
    crm = sa.create_engine(url)
    with crm.begin() as db:
        db.execute(
            sa.text(
                "update leads set sales_status = 'working', owner = 'zhang' where contact_id = 'c_000001'"
            )
        )
    warehouse.touch_scores(conn, [1])
    warehouse.set_members(conn, "segment_test", range(1, 250))
    report = sync(conn, LightCrmLeads(url, mode=Mode.MIRROR, list_name="nurture"), Mode.MIRROR)
    with crm.connect() as db:
        lead = db.execute(
            sa.text("select sales_status, owner, total_score from leads where contact_id = 'c_000001'")
        ).one()
        listed = db.execute(sa.text("select count(*) from lead_lists where list_name = 'nurture'")).scalar()
        leads = db.execute(sa.text("select count(*) from leads")).scalar()
    crm.dispose()
    assert (report.figures()["updated"], report.figures()["removed"]) == (1, 1)
    assert tuple(lead) == ("working", "zhang", 71.0), "a sync never overwrites what sales typed"
    assert (listed, leads) == (249, 250)


@pytest.fixture
def postgres_url():
    with fresh_database("yuchi_activation") as database:
        yield (
            f"postgresql+psycopg2://{database.user}:{database.password}@{database.host}:{database.port}/"
            f"{database.dbname}"
        )


def test_light_crm_works_the_same_on_postgresql(conn, postgres_url):
    warehouse.set_members(conn, "segment_test", range(30))
    first = sync(conn, LightCrmLeads(postgres_url, mode=Mode.UPSERT))
    warehouse.touch_scores(conn, range(5))
    second = sync(conn, LightCrmLeads(postgres_url, mode=Mode.UPSERT))
    engine = sa.create_engine(postgres_url)
    with engine.connect() as db:
        rows = db.execute(
            sa.text("select count(*), count(distinct contact_id), max(total_score) from leads")
        ).one()
    engine.dispose()
    assert first.figures()["created"] == 30 and second.figures()["updated"] == 5
    assert tuple(rows) == (30, 30, 71.0)
