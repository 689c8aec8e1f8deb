"""Email and SMS campaigns a demo person receives once the company knows their address or number, what they do
with them (open, click, unsubscribe, reply TD/退订), and the consent changes they make."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from connectors.demo import mess, web_visits
from connectors.demo.channels import poisson

if TYPE_CHECKING:
    from connectors.demo.channels import Journey

EMAIL_CAMPAIGNS = ("newsletter_oct", "webinar_invite_q4", "case_study_pharma", "expo_invite")
SMS_CAMPAIGNS = ("expo_reminder", "webinar_reminder", "promo_q4")
STOP_REPLIES = ("TD", "退订", "T", "STOP", "n", "td ")


def _event_id(j: Journey, prefix: str) -> str:
    return f"{prefix}_{j.rng.getrandbits(56):014x}"


def email_campaigns(j: Journey, known_since: datetime) -> None:
    """Emails the person after the company learned their address: delivery, opens and clicks follow intent."""
    rng, p = j.rng, j.p
    for _ in range(poisson(rng, 0.7 + 1.2 * p.intent)):
        sent = j._time(known_since)
        if sent >= j.end:
            continue
        campaign = rng.choice(EMAIL_CAMPAIGNS)
        message = {"campaign_id": campaign, "message_id": f"<{rng.getrandbits(64):016x}@mail.example.cn>"}

        def email_event(event: str, when: datetime, message: dict = message, **extra) -> None:
            payload = {
                "event_id": _event_id(j, "em"),
                "event": event,
                "occurred_at": when.isoformat(timespec="seconds"),
                "email": p.email if rng.random() < 0.9 else p.email.upper(),
                **message,
                **extra,
            }
            j.emit("email_events", when, payload, [("email", p.email)])

        email_event("sent", sent)
        if rng.random() < 0.03:
            email_event("bounced", sent + timedelta(seconds=30), bounce_type=rng.choice(("soft", "hard")))
            continue
        email_event("delivered", sent + timedelta(seconds=rng.randrange(2, 60)))
        if rng.random() > 0.15 + 0.55 * p.intent:
            continue
        opened = sent + timedelta(minutes=rng.randrange(5, 3000))
        email_event("opened", opened, user_agent=rng.choice(web_visits.USER_AGENTS))
        if rng.random() < 0.02:
            email_event("unsubscribed", opened + timedelta(seconds=40), reason="too_frequent")
            continue
        if rng.random() < 0.2 + 0.5 * p.intent:
            clicked = opened + timedelta(seconds=rng.randrange(3, 120))
            url = f"https://www.example.cn/lp/{campaign}?utm_source=edm&utm_campaign={campaign}"
            email_event("clicked", clicked, url=url)
            campaign_ctx = {"source": "edm", "medium": "email", "name": campaign}
            traits = {"email": p.email} if rng.random() < 0.7 else None
            web_visits.browse(j, clicked + timedelta(seconds=2), campaign_ctx, identify_with=traits)


def sms_campaigns(j: Journey, known_since: datetime) -> None:
    """Texts the person after the company learned their number; a few reply TD/退订 to stop."""
    rng, p = j.rng, j.p
    for _ in range(poisson(rng, 0.4 + 0.6 * p.intent)):
        sent = j._time(known_since)
        if sent >= j.end:
            continue
        message = {"campaign_id": rng.choice(SMS_CAMPAIGNS), "message_id": f"sms{rng.getrandbits(48):012x}"}

        def sms_event(event: str, when: datetime, message: dict = message, **extra) -> None:
            payload = {
                "event_id": _event_id(j, "sm"),
                "event": event,
                "occurred_at": when.isoformat(timespec="seconds"),
                "phone": rng.choice((p.phone, f"+86{p.phone}", f"86{p.phone}")),
                **message,
                **extra,
            }
            j.emit("sms_events", when, payload, [("phone", p.phone)])

        sms_event("sent", sent)
        if rng.random() < 0.04:
            sms_event("failed", sent + timedelta(seconds=20), error_code=rng.choice(("MK:0001", "UNDELIV")))
            continue
        sms_event("delivered", sent + timedelta(seconds=rng.randrange(2, 40)))
        if rng.random() < 0.03:
            reply = rng.choice(STOP_REPLIES)
            sms_event("replied", sent + timedelta(minutes=rng.randrange(1, 600)), reply_text=reply)
            j.world.stopped.add(p.person_id)
            return
        if rng.random() < 0.05 + 0.3 * p.intent:
            url = f"https://e.example.cn/s/{rng.getrandbits(24):06x}"
            sms_event("clicked", sent + timedelta(minutes=rng.randrange(1, 300)), url=url)


def consent_changes(j: Journey, known_since: datetime) -> None:
    """Changes made in the preference centre or by a privacy request, after the person became known."""
    rng, p = j.rng, j.p
    choices = (
        ("email", "withdrawn", 0.04),
        ("sms", "withdrawn", 0.03),
        ("marketing", "withdrawn", 0.01),
        ("automated_decisions", "withdrawn", 0.01),
        ("email", "granted", 0.05),
    )
    for purpose, status, chance in choices:
        if rng.random() >= chance:
            continue
        when = j._time(known_since)
        if when >= j.end:
            continue
        use_phone = purpose == "sms"
        payload = {
            "change_id": f"cc_{rng.getrandbits(48):012x}",
            "changed_at": when.isoformat(timespec="seconds"),
            "purpose": purpose,
            "status": status,
            "source": "privacy_request" if purpose == "automated_decisions" else "preference_center",
            "email": None if use_phone else mess.messy_email(p.email, rng),
            "phone": mess.messy_phone(p.phone, rng) if use_phone else None,
        }
        truth = [("phone", p.phone)] if use_phone else [("email", p.email)]
        j.emit("consent_changes", when, payload, truth)
