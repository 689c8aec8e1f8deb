"""What each demo person does on each channel: form submissions, WeChat events, webinars and CRM outcomes.

Behaviour volume and kind follow the person's latent intent and fit, so a model can learn outcomes from behaviour.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from connectors.demo import mess
from connectors.demo.people import Person

FORMS = ("demo_request", "contact_us", "whitepaper_digital_lab", "whitepaper_supply_chain", "event_signup")
WEBINARS = {
    f"wb{n:03d}": title
    for n, title in enumerate(
        [
            "数字化实验室白皮书解读",
            "Supply chain visibility 101",
            "智能制造最佳实践",
            "Data-driven procurement",
            "合规与数据安全",
            "Customer 360 in pharma",
            "新能源汽车供应链",
            "ESG reporting for chemicals",
        ]
    )
}
MENU_KEYS = ("MENU_PRODUCTS", "MENU_CASES", "MENU_CONTACT", "MENU_EVENTS")
UTM = [
    ("baidu", "cpc", "brand_search", "数字化实验室"),
    ("baidu", "cpc", "generic_search", "LIMS 系统"),
    ("wechat", "social", "moments_ad", None),
    ("linkedin", "social", "abm_q3", None),
    ("edm", "email", "newsletter_oct", None),
    (None, None, None, None),
]


@dataclass
class Emitted:
    """One record a channel produced: its table, payload and the person behind it (None for pure junk)."""

    table: str
    occurred_at: datetime
    payload: dict
    person_id: str | None
    invalid_reason: str | None = None
    identifiers: list[tuple[str, str]] = field(
        default_factory=list
    )  # (id_type, raw value) truly the person's


def _at(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


class Journey:
    """Emits the records of one person over the demo window."""

    def __init__(self, person: Person, start: datetime, end: datetime, rng: random.Random, junk_rate: float):
        self.p, self.start, self.end, self.rng, self.junk_rate = person, start, end, rng, junk_rate
        self.records: list[Emitted] = []
        self.lead_moments: list[tuple[datetime, str]] = []

    def _time(self, after: datetime) -> datetime:
        span = max((self.end - after).total_seconds(), 60)
        return after + timedelta(seconds=self.rng.random() ** 1.3 * span)

    def run(self) -> list[Emitted]:
        rng, p = self.rng, self.p
        first = self.start + timedelta(seconds=rng.random() * (self.end - self.start).total_seconds() * 0.9)
        touches = 1 + _poisson(rng, 0.8 + 9.0 * p.intent + 2.0 * p.fit)
        entry = rng.choices(["form", "wechat", "webinar"], weights=[0.4, 0.35 if p.openids else 0.0, 0.25])[0]
        kinds = [entry] + rng.choices(
            ["form", "wechat", "webinar"], weights=[0.35, 0.45 if p.openids else 0, 0.2], k=touches - 1
        )
        for i, kind in enumerate(kinds):
            when = first if i == 0 else self._time(first)
            getattr(self, f"_{kind}")(when)
        if p.openids:
            self._wechat_follow(first)
        return self.records

    def _form(self, when: datetime) -> None:
        rng, p = self.rng, self.p
        weights = [0.05 + 0.5 * p.intent**2, 0.1 + 0.2 * p.intent, 0.3, 0.25, 0.15]
        form_id = rng.choices(FORMS, weights=weights)[0]
        phone, email = mess.messy_phone(p.phone, rng), mess.messy_email(p.email, rng)
        truth = [("phone", p.phone), ("email", p.email)]
        if rng.random() < 0.15:
            phone, truth = None, [("email", p.email)]
        elif rng.random() < 0.15:
            email, truth = None, [("phone", p.phone)]
        if rng.random() < 0.01:
            email = mess.typo_email(p.email, rng)
            truth = [t for t in truth if t[0] != "email"] + [("email", email)]
        if rng.random() < self.junk_rate and email:
            phone, truth = rng.choice(mess.JUNK_PHONES), [t for t in truth if t[0] != "phone"]
        elif rng.random() < self.junk_rate and phone:
            email, truth = rng.choice(mess.JUNK_EMAILS), [t for t in truth if t[0] != "email"]
        source, medium, campaign, term = rng.choice(UTM)
        payload = {
            "submission_id": f"fs_{rng.randrange(16**12):012x}",
            "form_id": form_id,
            "submitted_at": _at(when),
            "name": mess.typo_name(p.name, rng),
            "phone": phone,
            "email": email,
            "company": mess.maybe_blank(p.company, rng, 0.15),
            "title": mess.maybe_blank(p.title, rng, 0.2),
            "industry": mess.maybe_blank(p.industry, rng, 0.3),
            "company_size": mess.maybe_blank(p.company_size, rng, 0.3),
            "city": mess.maybe_blank(p.city, rng, 0.4),
            "page_url": f"https://www.example.cn/lp/{form_id}",
            "utm_source": source,
            "utm_medium": medium,
            "utm_campaign": campaign,
            "utm_term": term,
        }
        self.records.append(Emitted("web_forms_submissions", when, payload, p.person_id, identifiers=truth))
        if form_id in ("demo_request", "contact_us") or (rng.random() < 0.3):
            self.lead_moments.append((when, form_id))

    def _wechat_follow(self, when: datetime) -> None:
        rng, p = self.rng, self.p
        for app, openid in p.openids.items():
            key = f"qrscene_{rng.choice([1001, 1002, 2001, 3005])}" if rng.random() < 0.5 else None
            self._wechat_event(app, openid, "subscribe", key, when)
            if rng.random() < 0.92:
                self._wechat_event(app, openid, "bind_phone", None, self._time(when), phone=p.phone)
            if rng.random() < 0.06:
                self._wechat_event(app, openid, "unsubscribe", None, self._time(when))

    def _wechat(self, when: datetime) -> None:
        rng, p = self.rng, self.p
        if not p.openids:
            return
        app = rng.choice(list(p.openids))
        event = rng.choices(["CLICK", "VIEW", "SCAN"], weights=[0.4, 0.5, 0.1])[0]
        key = {
            "CLICK": rng.choice(MENU_KEYS),
            "VIEW": f"https://mp.example.cn/article/{rng.randrange(40)}",
            "SCAN": str(rng.choice([1001, 1002, 2001, 3005])),
        }[event]
        self._wechat_event(app, p.openids[app], event, key, when)

    def _wechat_event(
        self, app: str, openid: str, event: str, key: str | None, when: datetime, phone: str | None = None
    ) -> None:
        p = self.p
        truth = [("wechat_openid", f"{app}:{openid}")]
        if p.unionid:
            truth.append(("wechat_unionid", p.unionid))
        if phone:
            truth.append(("phone", phone))
        payload = {
            "app_id": app,
            "openid": openid,
            "unionid": p.unionid,
            "event": event,
            "event_key": key,
            "create_time": int(when.timestamp()),
            "phone": mess.messy_phone(phone, self.rng) if phone else None,
        }
        self.records.append(Emitted("wechat_events", when, payload, p.person_id, identifiers=truth))

    def _webinar(self, when: datetime) -> None:
        rng, p = self.rng, self.p
        webinar_id = rng.choice(list(WEBINARS))
        phone = mess.messy_phone(p.phone, rng) if rng.random() < 0.5 else None
        truth = [("email", p.email)] + ([("phone", p.phone)] if phone else [])
        reg = {
            "registration_id": f"reg_{rng.randrange(16**10):010x}",
            "webinar_id": webinar_id,
            "webinar_title": WEBINARS[webinar_id],
            "registered_at": _at(when),
            "name": p.name,
            "email": mess.messy_email(p.email, rng),
            "phone": phone,
            "company": p.company,
            "title": p.title,
        }
        self.records.append(Emitted("webinars_registrations", when, reg, p.person_id, identifiers=truth))
        if rng.random() < 0.25 + 0.6 * p.intent:
            joined = when + timedelta(days=rng.randint(1, 10), hours=rng.random() * 2)
            if joined >= self.end:
                return
            minutes = round(min(90.0, rng.expovariate(1.0) * (10 + 50 * p.intent)), 1)
            att = {
                "webinar_id": webinar_id,
                "email": p.email,
                "joined_at": _at(joined),
                "left_at": _at(joined + timedelta(minutes=minutes)),
                "minutes_watched": minutes,
            }
            self.records.append(
                Emitted("webinars_attendance", joined, att, p.person_id, identifiers=[("email", p.email)])
            )
            if minutes > 30 and rng.random() < 0.4:
                self.lead_moments.append((joined, "webinar"))

    def crm_outcome(self, crm_number: int) -> Emitted | None:
        """Gives the CRM lead this person became, if any, with an outcome that follows latent propensity."""
        rng, p = self.rng, self.p
        if not self.lead_moments or rng.random() > 0.85:
            return None
        created = min(self.lead_moments)[0] + timedelta(hours=rng.randint(1, 72))
        if created >= self.end:
            return None
        status, opp_at, closed_at, amount = "open", None, None, None
        if rng.random() < p.propensity:
            opp_at = created + timedelta(days=rng.uniform(2, 35))
            if opp_at < self.end:
                status = "opportunity"
                amount = round(math.exp(rng.gauss(12.0, 0.8)), -2)
                closed = opp_at + timedelta(days=rng.uniform(10, 60))
                if closed < self.end:
                    status = "won" if rng.random() < 0.3 + 0.4 * p.fit else "lost"
                    closed_at = closed
            else:
                opp_at = None
        elif p.fit < 0.35 and rng.random() < 0.5:
            status, closed_at = "disqualified", created + timedelta(days=rng.uniform(1, 20))
            closed_at = closed_at if closed_at < self.end else None
            status = status if closed_at else "open"
        crm_id = f"00Q{crm_number:012d}"
        payload = {
            "crm_id": crm_id,
            "email": p.email if rng.random() < 0.9 else None,
            "phone": p.phone if rng.random() < 0.7 else None,
            "lead_created_at": _at(created),
            "status": status,
            "opportunity_created_at": _at(opp_at) if opp_at else None,
            "closed_at": _at(closed_at) if closed_at else None,
            "amount": amount,
        }
        if not payload["email"] and not payload["phone"]:
            payload["email"] = p.email
        truth = [("crm_id", crm_id)] + [
            (t, v) for t, v in (("email", p.email), ("phone", p.phone)) if payload[t]
        ]
        return Emitted("crm_outcomes", created, payload, p.person_id, identifiers=truth)


def _poisson(rng: random.Random, lam: float) -> int:
    threshold, k, prod = math.exp(-lam), 0, rng.random()
    while prod > threshold:
        k += 1
        prod *= rng.random()
    return k
