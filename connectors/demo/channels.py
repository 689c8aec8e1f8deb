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
GH_IDS = {"wx8a1b2c3d4e5f6a7b": "gh_3f1e0c2b9a87", "wx1f2e3d4c5b6a7980": "gh_7d6c5b4a3f21"}


class World:
    """What people share across journeys: content shares others may open, and the uploaded lists."""

    def __init__(self, part: str = "") -> None:
        from connectors.demo.contact_lists import ListBook
        from connectors.demo.content_sharing import SharePool

        self.shares = SharePool()
        self.lists = ListBook(part)
        self.stopped: set[str] = set()


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
    file_key: str = ""  # the official account (WeChat files) or the list file (contact lists)
    file_format: str = ""  # "h5": a WeChat H5-page event rather than a push
    header: list[str] | None = None  # CSV/XLSX header when it is not the payload's keys (Chinese headers)
    referrer: tuple[str, str] | None = None  # (person_id, identifier_key) of the sharer who led here


def _at(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


class Journey:
    """Emits the records of one person over the demo window."""

    def __init__(
        self,
        person: Person,
        start: datetime,
        end: datetime,
        rng: random.Random,
        junk_rate: float,
        world: World | None = None,
    ):
        self.p, self.start, self.end, self.rng, self.junk_rate = person, start, end, rng, junk_rate
        self.world = world or World()
        self.records: list[Emitted] = []
        self.lead_moments: list[tuple[datetime, str]] = []

    def emit(self, table: str, when: datetime, payload: dict, truth: list, **extra) -> Emitted:
        """Records what a channel produced for this person; `truth` is the identifiers truly theirs."""
        record = Emitted(table, when, payload, self.p.person_id, identifiers=list(truth), **extra)
        self.records.append(record)
        return record

    def emit_web(self, payload: dict, cookie: str, truth: list | tuple = ()) -> None:
        """Records a website event (Segment spec) under the cookie, plus any identifiers it carries."""
        when = datetime.fromisoformat(payload["timestamp"].replace("Z", "+00:00"))
        self.emit("web_tracking_events", when, payload, [("anonymous_id", cookie), *truth])

    def _time(self, after: datetime) -> datetime:
        span = max((self.end - after).total_seconds(), 60)
        return after + timedelta(seconds=self.rng.random() ** 1.3 * span)

    def run(self) -> list[Emitted]:
        # the channel modules build on this one's Journey and Emitted, so they are imported when a journey runs
        from connectors.demo import contact_lists, content_sharing, messaging, offline, web_visits

        rng, p = self.rng, self.p
        first = self.start + timedelta(seconds=rng.random() * (self.end - self.start).total_seconds() * 0.9)
        touches = 1 + _poisson(rng, 0.8 + 9.0 * p.intent + 2.0 * p.fit)
        actions = {
            "form": (self._form, 0.3),
            "wechat": (self._wechat, 0.35 if p.openids else 0.0),
            "webinar": (self._webinar, 0.15),
            "web": (lambda when: web_visits.web_touch(self, when), 0.25),
            "content": (lambda when: content_sharing.content_touch(self, when), 0.2),
            "offline": (lambda when: offline.offline_event(self, when), 0.08),
            "store": (lambda when: offline.store_visit(self, when), 0.04),
            "list": (lambda when: contact_lists.list_touch(self, when), 0.04),
        }
        names = list(actions)
        weights = [weight for _, weight in actions.values()]
        kinds = rng.choices(names, weights=weights, k=touches)
        for i, kind in enumerate(kinds):
            when = first if i == 0 else self._time(first)
            actions[kind][0](when)
        if p.openids:
            self._wechat_follow(first)
        known = {t: min((r.occurred_at for r in self.records if any(k == t for k, _ in r.identifiers)), default=None)
                 for t in ("email", "phone")}  # fmt: skip
        if known["email"]:
            messaging.email_campaigns(self, known["email"])
        if known["phone"]:
            messaging.sms_campaigns(self, known["phone"])
        if known["email"] or known["phone"]:
            messaging.consent_changes(self, min(t for t in known.values() if t))
            web_visits.identify_later(self, min(t for t in known.values() if t))
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
        if p.cookies and rng.random() < 0.5:  # the site's form also tells analytics.js who the visitor is
            from connectors.demo import web_visits

            typed = {t: getattr(p, t) for t, _ in truth if t in ("email", "phone")}
            web_visits.browse(self, when - timedelta(minutes=3), identify_with=typed or None)

    def _wechat_follow(self, when: datetime) -> None:
        """Follows each official account (a subscribe push, through a QR scene half the time), then appears in
        the user-info sync (which carries the UnionID); most bind their phone on the account's H5 page."""
        rng, p = self.rng, self.p
        for app, openid in p.openids.items():
            key = f"qrscene_{rng.choice([1001, 1002, 2001, 3005])}" if rng.random() < 0.5 else None
            self._wechat_push(app, openid, "subscribe", key, when)
            left = self._time(when) if rng.random() < 0.06 else None
            if rng.random() < 0.92:
                self._wechat_h5(app, openid, "bind_phone", self._time(when), phone=p.phone)
            if left and left < self.end:
                self._wechat_push(app, openid, "unsubscribe", None, left)
            self._wechat_user(app, openid, when, subscribed=left is None or left >= self.end)

    def _wechat(self, when: datetime) -> None:
        rng, p = self.rng, self.p
        if not p.openids:
            return
        app = rng.choice(list(p.openids))
        event = rng.choices(["CLICK", "VIEW", "SCAN", "share"], weights=[0.35, 0.45, 0.1, 0.1])[0]
        key = {
            "CLICK": rng.choice(MENU_KEYS),
            "VIEW": f"https://mp.example.cn/article/{rng.randrange(40)}",
            "SCAN": str(rng.choice([1001, 1002, 2001, 3005])),
            "share": f"https://mp.example.cn/article/{rng.randrange(40)}",
        }[event]
        if event == "share":
            self._wechat_h5(app, p.openids[app], "share", when, key=key)
        else:
            self._wechat_push(app, p.openids[app], event, key, when)

    def _wechat_push(self, app: str, openid: str, event: str, key: str | None, when: datetime) -> None:
        """A push exactly as WeChat sends it; it carries the OpenID only."""
        payload = {
            "ToUserName": GH_IDS[app],
            "FromUserName": openid,
            "CreateTime": int(when.timestamp()),
            "MsgType": "event",
            "Event": event,
            "EventKey": key,
        }
        if event in ("subscribe", "SCAN") and key:
            payload["Ticket"] = (
                f"gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xLz{self.rng.getrandbits(32):08x}"
            )
        self.emit("wechat_events", when, payload, [("wechat_openid", f"{app}:{openid}")], file_key=app)

    def _wechat_h5(self, app: str, openid: str, event: str, when: datetime, key=None, phone=None) -> None:
        """An event the account's own H5 page recorded: phone binding (SMS-verified) or an article share."""
        p = self.p
        truth = [("wechat_openid", f"{app}:{openid}")]
        payload = {"openid": openid, "event": event, "event_key": key, "create_time": int(when.timestamp())}
        if p.unionid and self.rng.random() < 0.5:
            payload["unionid"] = p.unionid
            truth.append(("wechat_unionid", p.unionid))
        if phone:
            payload["phone"] = mess.messy_phone(phone, self.rng)
            truth.append(("phone", phone))
        self.emit("wechat_events", when, payload, truth, file_key=app, file_format="h5")

    def _wechat_user(self, app: str, openid: str, followed: datetime, subscribed: bool) -> None:
        """The follower as the user-info API returns them at the end of the window."""
        rng, p = self.rng, self.p
        payload: dict = {"subscribe": 1 if subscribed else 0, "openid": openid}
        if subscribed:
            payload |= {
                "language": "zh_CN",
                "subscribe_time": int(followed.timestamp()),
                "remark": "",
                "groupid": 0,
                "tagid_list": rng.choice([[], [2], [2, 128]]),
                "subscribe_scene": rng.choice(["ADD_SCENE_QR_CODE", "ADD_SCENE_SEARCH", "ADD_SCENE_ARTICLE"]),
                "qr_scene": 0,
                "qr_scene_str": "",
            }
        truth = [("wechat_openid", f"{app}:{openid}")]
        if p.unionid:
            payload["unionid"] = p.unionid
            truth.append(("wechat_unionid", p.unionid))
        payload["_fetched_at"] = _at(self.end)
        self.emit("wechat_users", followed, payload, truth, file_key=app)

    def _webinar(self, when: datetime) -> None:
        rng, p = self.rng, self.p
        webinar_id = rng.choice(list(WEBINARS))
        phone = mess.messy_phone(p.phone, rng) if rng.random() < 0.7 else None
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
            if rng.random() < 0.1 + 0.4 * p.intent:
                self._webinar_question(webinar_id, joined + timedelta(minutes=minutes * rng.random()))

    def _webinar_question(self, webinar_id: str, when: datetime) -> None:
        rng, p = self.rng, self.p
        question = {
            "question_id": f"q_{rng.randrange(16**10):010x}",
            "webinar_id": webinar_id,
            "asked_at": _at(when),
            "question": rng.choice(
                ["支持私有化部署吗？", "How is pricing structured?", "能否对接 SAP？", "有医药行业案例吗？"]
            ),
            "email": mess.messy_email(p.email, rng),
            "phone": None,
            "name": p.name,
            "answered_at": _at(when + timedelta(minutes=rng.randrange(1, 20)))
            if rng.random() < 0.7
            else None,
        }
        self.emit("webinars_questions", when, question, [("email", p.email)])

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


def poisson(rng: random.Random, lam: float) -> int:
    """Gives a Poisson-distributed count with mean lam."""
    return _poisson(rng, lam)


def _poisson(rng: random.Random, lam: float) -> int:
    threshold, k, prod = math.exp(-lam), 0, rng.random()
    while prod > threshold:
        k += 1
        prod *= rng.random()
    return k
