"""Messages over real protocols on loopback: SMTP (aiosmtpd), Twilio- and Aliyun-style SMS, WeChat, webhooks.

Each test sends through the sync engine, so consent is checked at send time and the ledger keeps count.
"""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest

from connectors.destinations.sms_aliyun import AliyunSms, AliyunSmsConfig
from connectors.destinations.sms_twilio import TwilioConfig, TwilioSms
from connectors.destinations.smtp_email import SmtpConfig, SmtpEmail
from connectors.destinations.sync.model import Mode
from connectors.destinations.webhook import SignedWebhook, WebhookConfig
from connectors.destinations.wechat_template import WeChatConfig, WeChatTemplateMessages
from tests.activation import warehouse
from tests.activation.conftest import sync
from tests.fakes.messaging import FakeAliyunSms, FakeSmtp, FakeTwilio, FakeWeChat, WebhookReceiver
from tests.fakes.server import Faults

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    server = FakeSmtp(port=free_port()).start()
    yield server
    server.stop()


def email_destination(smtp, **overrides):
    config = SmtpConfig(host="127.0.0.1", port=smtp.port, starttls=False, sender="news@yuchi.example",
                        unsubscribe_secret="s3cret", messages_per_second=None)  # fmt: skip
    config = replace(config, **overrides)
    return SmtpEmail(config, template="webinar_follow_up", campaign="replay-2026-11")


def test_each_member_gets_one_personalised_email_with_one_click_unsubscribe(conn, smtp):
    warehouse.set_members(conn, "segment_test", range(30))
    report = sync(conn, email_destination(smtp), Mode.INSERT_ONLY)
    again = sync(conn, email_destination(smtp), Mode.INSERT_ONLY)
    first = next(m for m in smtp.messages if m["To"].addresses[0].addr_spec == "person3@example.cn")
    body = first.get_body(("plain",)).get_content()
    assert (
        report.figures()["succeeded"] == 30 and again.figures()["planned"] == 0 and len(smtp.messages) == 30
    )
    name = warehouse.person(3)["full_name"]
    assert first["Subject"].startswith(name) and body.startswith(f"{name}："), (
        "personalised with the contact's name"
    )
    assert "公司3" in body
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "https://example.com/preferences/unsubscribe?c=c_000003&ch=email&t=" in first["List-Unsubscribe"]
    assert first["Message-ID"].endswith("@yuchi.example>") and first.get_body(("html",)) is not None


def test_no_email_to_contacts_who_opted_out_even_after_the_segment_was_built(conn, smtp):
    warehouse.set_members(conn, "segment_test", range(40))
    conn.execute("update marts.dim_contacts set unsubscribed_email = true where contact_id = 'c_000001'")
    conn.execute("update marts.dim_contacts set refused_marketing = true where contact_id = 'c_000002'")
    # opt-outs that landed after the marts were built, straight in raw
    conn.execute(
        "create table raw.email_events (email varchar, email_normalized varchar, event_type varchar, occurred_at timestamp)"
    )
    conn.execute(
        "insert into raw.email_events values ('Person3@Example.cn', 'person3@example.cn', 'unsubscribed', now())"
    )
    conn.execute("create table raw.consent_changes (email_normalized varchar, phone_normalized varchar, purpose varchar, "
                 "status varchar, changed_at timestamp)")  # fmt: skip
    conn.execute(
        "insert into raw.consent_changes values (null, '+8613800000004', 'marketing', 'withdrawn', now())"
    )

    def opt_out_during_the_sync(event, data):
        # consent was checked for the batches ahead and their intents recorded; before the last batch goes
        # out, person 35 unsubscribes (the event comes from the engine, so no race with the sending)
        if event == "intents_recorded" and data["batch"] == 4:
            conn.execute(
                "insert into raw.email_events values (null, 'person35@example.cn', 'unsubscribed', now())"
            )

    destination = email_destination(smtp)
    destination.batch_size = 10
    report = sync(conn, destination, Mode.INSERT_ONLY, observer=opt_out_during_the_sync)
    recipients = {m["To"].addresses[0].addr_spec for m in smtp.messages}
    reasons = dict(
        conn.execute(
            "select record_key, reason from activation.sync_ledger where status = 'suppressed'"
        ).fetchall()
    )
    refused = {f"person{i}@example.cn" for i in (1, 2, 3, 4, 35)}
    assert not recipients & refused, recipients & refused
    assert len(recipients) == 35 and report.figures()["suppressed"] == 5
    assert "raw.email_events" in reasons["c_000035"], "the mid-sync opt-out was caught at send time"


def test_a_refused_recipient_is_a_failed_record_with_the_servers_reason(conn):
    server = FakeSmtp(port=free_port(), refuse={"person5@example.cn"}).start()
    try:
        warehouse.set_members(conn, "segment_test", range(10))
        report = sync(conn, email_destination(server), Mode.INSERT_ONLY)
    finally:
        server.stop()
    reason = conn.execute(
        "select reason from activation.sync_failures where record_key = 'c_000005'"
    ).fetchone()[0]
    assert report.figures()["succeeded"] == 9 and "550" in reason


def test_twilio_sms_is_read_back_after_a_lost_answer_instead_of_sent_twice(conn):
    faults = Faults(rate=0.4, kinds=("500_after", "429"), retry_after=0.1, seed=5, only_paths="Messages")
    with FakeTwilio(faults=faults) as fake:
        warehouse.set_members(conn, "segment_test", range(25))
        config = TwilioConfig(fake.account_sid, fake.auth_token, "+15005550006", base_url=fake.url, timeout=2.0,
                              messages_per_second=100)  # fmt: skip
        report = sync(conn, TwilioSms(config, "webinar_follow_up", "replay"), Mode.INSERT_ONLY)
        bodies = [m["to"] for m in fake.messages]
    assert report.figures()["succeeded"] == 25
    assert sorted(bodies) == sorted(set(bodies)) and len(bodies) == 25, "no number got the message twice"


def test_aliyun_sms_is_signed_and_a_lost_answer_is_settled_by_its_out_id(conn):
    faults = Faults(rate=0.3, kinds=("500_after",), seed=2)
    with FakeAliyunSms(faults=faults) as fake:
        warehouse.set_members(conn, "segment_test", range(20))
        config = AliyunSmsConfig(
            fake.access_key_id, fake.access_key_secret, "鱼池", endpoint=fake.url, timeout=2.0
        )
        destination = AliyunSms(config, "SMS_123", {"name": "full_name"}, "replay")
        report = sync(conn, destination, Mode.INSERT_ONLY)
        numbers = [s["PhoneNum"] for s in fake.sent]
    assert report.figures()["succeeded"] == 20 and len(numbers) == len(set(numbers)) == 20
    assert numbers[0].startswith("138") and len(numbers[0]) == 11, "mainland numbers go without +86"


def test_aliyun_refuses_a_wrong_secret_and_the_secret_is_never_in_the_message(conn):
    with FakeAliyunSms() as fake:
        warehouse.set_members(conn, "segment_test", range(2))
        config = AliyunSmsConfig(fake.access_key_id, "wrong-secret-value", "鱼池", endpoint=fake.url)
        from connectors.destinations.sync.engine import SyncAborted

        with pytest.raises(SyncAborted) as raised:
            sync(conn, AliyunSms(config, "SMS_123", {}, "replay"), Mode.INSERT_ONLY)
    assert "SignatureDoesNotMatch" in str(raised.value) and "wrong-secret-value" not in str(raised.value)


def test_wechat_refreshes_an_expired_token_deduplicates_by_client_msg_id_and_uses_the_apps_openid(conn):
    app = "wxa0000000000000001"
    followers = {f"oOPENID{i:012d}" for i in range(12) if i != 4}
    conn.execute(
        "insert into marts.contact_identifiers values ('wechat_openid:wxb0000000000000002:oOTHERAPP', "
        "'wechat_openid', 'wxb0000000000000002:oOTHERAPP', 'c_000001')"
    )
    faults = Faults(rate=0.3, kinds=("500_after",), seed=4, only_paths="template/send")
    # The fifth send finds every token issued so far expired (WeChat answers 42001): the destination must
    # refresh it and send again. Counted by the fake, so it happens however fast the answers are recorded.
    with FakeWeChat(app_id=app, followers=followers, faults=faults, expire_tokens_after_sends=5) as fake:
        warehouse.set_members(conn, "segment_test", range(12))
        config = WeChatConfig(app, fake.app_secret, base_url=fake.url, timeout=2.0)
        fields = {"thing1": "full_name", "thing2": "company"}
        destination = WeChatTemplateMessages(config, "TPL_1", fields, "replay")
        destination.batch_size = 4
        report = sync(conn, destination, Mode.INSERT_ONLY)
        delivered = [m["touser"] for m in fake.delivered]
        token_calls = sum(1 for e in fake.log if e["path"] == "/cgi-bin/stable_token")
    assert token_calls >= 2, "the expired token was refreshed"
    assert fake.deduplicated > 0, "a resend after a lost answer was dropped by WeChat thanks to client_msg_id"
    figures = report.figures()
    assert fake.sends >= 5 and figures["succeeded"] == 11 and figures["skipped"] == 1  # 43004: not following
    assert len(delivered) == len(set(delivered)) == 11 and "oOTHERAPP" not in delivered


def test_webhook_events_are_signed_and_retries_reuse_the_webhook_id(conn):
    faults = Faults(rate=0.3, kinds=("500_after", "429", "500"), retry_after=0.1, seed=9)
    with WebhookReceiver(SECRET, faults=faults) as receiver:
        warehouse.set_members(conn, "segment_test", range(40))
        destination = SignedWebhook(
            WebhookConfig(receiver.url + "/hooks/yuchi", SECRET, timeout=2.0), segment="test"
        )
        report = sync(conn, destination, Mode.UPSERT)
        events = receiver.received
    assert report.figures()["succeeded"] == 40 and receiver.rejected == []
    assert len(events) == 40, "every contact arrives once at a receiver that drops repeated webhook-ids"
    assert {e["type"] for e in events.values()} == {"contact.created"}
    assert len(receiver.deliveries) >= 40
