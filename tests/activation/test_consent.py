"""Send-time suppression: channel opt-outs, STOP replies, withdrawn consent and erasure, latest state winning."""

from __future__ import annotations

import pytest

from connectors.destinations.consent import ConsentScope, ConsentSourceError, Suppressions
from connectors.destinations.erasure import key_hash
from tests.activation import warehouse


def contacts(*numbers: int) -> dict[str, list[str]]:
    return {f"c_{i:06d}": [f"email:person{i}@example.cn", f"phone:+86138{i:08d}"] for i in numbers}


@pytest.fixture
def conn(tmp_path):
    connection = warehouse.build(tmp_path / "w.duckdb", people=10)
    connection.execute(
        "create table raw.sms_events (phone varchar, phone_normalized varchar, event_type varchar, "
        "reply_text varchar, occurred_at timestamp)"
    )
    connection.execute(
        "create table raw.wechat_events (app_id varchar, openid varchar, openid_normalized varchar, event varchar, "
        "create_time timestamp)"
    )
    yield connection
    connection.close()


def test_stop_td_and_退订_replies_suppress_sms_but_not_email(conn):
    conn.execute(
        "insert into raw.sms_events values "
        "('13800000001', '+8613800000001', 'replied', 'STOP', now()), "
        "('13800000002', '+8613800000002', 'replied', ' td ', now()), "
        "('13800000003', '+8613800000003', 'replied', '退订', now()), "
        "('13800000004', '+8613800000004', 'replied', 'what time is the webinar?', now())"
    )
    sms = Suppressions(conn, ConsentScope("sms")).check(contacts(1, 2, 3, 4))
    email = Suppressions(conn, ConsentScope("email")).check(contacts(1, 2, 3, 4))
    assert sorted(sms) == ["c_000001", "c_000002", "c_000003"] and email == {}


def test_stop_keywords_kept_by_analysts_in_the_seed_are_honoured(conn):
    conn.execute("create schema seeds")
    conn.execute(
        "create table seeds.sms_stop_keywords as select * from (values ('不要再发', 'custom')) t(keyword, reason)"
    )
    conn.execute("insert into raw.sms_events values ('x', '+8613800000006', 'replied', '不要再发', now())")
    assert list(Suppressions(conn, ConsentScope("sms")).check(contacts(6))) == ["c_000006"]


def test_a_later_start_reply_or_wechat_resubscribe_wins_over_an_earlier_opt_out(conn):
    conn.execute(
        "insert into raw.sms_events values ('x', '+8613800000001', 'replied', 'STOP', now() - interval 2 day), "
        "('x', '+8613800000001', 'replied', 'START', now() - interval 1 day)"
    )
    openid = "wxa0000000000000001:oOPENID000000000005"
    conn.execute(
        f"insert into raw.wechat_events values ('wxa', 'o', '{openid}', 'unsubscribe', now() - interval 3 day), "
        f"('wxa', 'o', '{openid}', 'subscribe', now() - interval 1 day)"
    )
    wechat = {"c_000005": [f"wechat_openid:{openid}"], "c_000006": []}
    conn.execute(
        "insert into raw.wechat_events values ('wxa', 'o', 'wxa0000000000000001:oOPENID000000000006', "
        "'unsubscribe', now())"
    )
    assert Suppressions(conn, ConsentScope("sms")).check(contacts(1)) == {}
    assert list(Suppressions(conn, ConsentScope("wechat")).check(wechat)) == ["c_000006"]


def test_withdrawn_marketing_consent_suppresses_every_channel_and_automated_decisions_only_scored_syncs(conn):
    conn.execute(
        "create table raw.consent_changes (email_normalized varchar, phone_normalized varchar, purpose varchar, "
        "status varchar, changed_at timestamp)"
    )
    conn.execute(
        "insert into raw.consent_changes values ('person1@example.cn', null, 'marketing', 'withdrawn', now()), "
        "(null, '+8613800000002', 'automated_decisions', 'withdrawn', now())"
    )
    crm = Suppressions(conn, ConsentScope(None)).check(contacts(1, 2))
    scored = Suppressions(conn, ConsentScope(None, ("marketing", "automated_decisions"))).check(
        contacts(1, 2)
    )
    assert list(crm) == ["c_000001"] and sorted(scored) == ["c_000001", "c_000002"]
    assert "raw.consent_changes: marketing opt-out by email:person1@example.cn" in crm["c_000001"]


def test_consent_flags_of_the_marts_and_the_erasure_register_suppress(conn):
    conn.execute("update marts.dim_contacts set unsubscribed_email = true where contact_id = 'c_000003'")
    conn.execute("create schema if not exists activation")
    conn.execute(
        "create table activation.erased_identifiers (identifier_hash varchar, request_id varchar, erased_at timestamp)"
    )
    conn.execute(
        f"insert into activation.erased_identifiers values ('{key_hash('phone:+8613800000007')}', 'del_1', now())"
    )
    refused = Suppressions(conn, ConsentScope("email")).check(contacts(3, 7, 8))
    assert refused == {
        "c_000003": "marts.dim_contacts.unsubscribed_email",
        "c_000007": "erased on request (PIPL art. 47 / GDPR art. 17)",
    }


def test_an_opt_out_from_an_identifier_not_yet_in_the_marts_still_matches_the_address_used(conn):
    conn.execute(
        "insert into raw.sms_events values ('x', '+8613999999999', 'replied', 'STOP', now())"
    )  # a number identity resolution has not seen yet, but it is the number we are about to text
    assert list(Suppressions(conn, ConsentScope("sms")).check({"c_000009": ["phone:+8613999999999"]})) == [
        "c_000009"
    ]


def test_a_raw_table_without_the_needed_columns_stops_sending_instead_of_guessing(conn):
    conn.execute(
        "create table raw.email_events (email varchar, what_happened varchar, occurred_at timestamp)"
    )
    with pytest.raises(ConsentSourceError, match="raw.email_events exists but has no event column"):
        Suppressions(conn, ConsentScope("email"))
