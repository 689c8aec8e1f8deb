"""What a demo person does on the website, as analytics.js reports it (Segment tracking spec): page views and
tracked actions under a cookie's anonymousId, and identify calls that tie the cookie to an email or phone when
they submit a form, click through an email, or sign in."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from connectors.demo import mess
from connectors.demo.channels import poisson

if TYPE_CHECKING:
    from connectors.demo.channels import Journey

PAGES = (  # path, title, weight for a low-intent visitor, extra weight per unit of intent
    ("/", "首页 | Example 数字化实验室", 1.0, 0.0),
    ("/products/lims", "LIMS 实验室信息管理系统", 0.6, 0.6),
    ("/solutions/supply-chain", "Supply chain visibility", 0.4, 0.4),
    ("/cases", "客户案例", 0.3, 0.5),
    ("/pricing", "价格 Pricing", 0.1, 1.6),
    ("/resources/whitepapers", "白皮书", 0.4, 0.3),
    ("/blog/lab-automation-trends", "2026 实验室自动化趋势", 0.7, 0.0),
    ("/contact", "联系我们", 0.05, 0.9),
)
TRACKED = (("Video Played", 0.3, 0.2), ("Whitepaper Downloaded", 0.2, 0.4), ("Demo Requested", 0.01, 0.5))
CAMPAIGNS = (
    {"source": "baidu", "medium": "cpc", "name": "brand_search", "term": "数字化实验室"},
    {"source": "baidu", "medium": "cpc", "name": "generic_search", "term": "LIMS 系统"},
    {"source": "linkedin", "medium": "social", "name": "abm_q3"},
    {"source": "wechat", "medium": "social", "name": "moments_ad"},
    None,
    None,
)
USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 MicroMessenger/8.0.50",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605.1.15",
)
SITE = "https://www.example.cn"


def equip(person, rng: random.Random) -> None:
    """Gives a person their devices' cookies (anonymousId) and, for some, a site account."""
    devices = 1 if rng.random() < 0.85 else 2
    person.cookies = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(devices)]
    if rng.random() < 0.2:
        person.member_id = f"m{rng.randrange(10**8):08d}"


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _device(cookie: str) -> tuple[str, str]:
    """Gives the user agent and IP address of the device behind a cookie (stable per device)."""
    bits = int(cookie.replace("-", "")[:12], 16)
    ip = f"{1 + bits % 222}.{(bits >> 8) % 256}.{(bits >> 16) % 256}.{1 + (bits >> 24) % 254}"
    return USER_AGENTS[bits % len(USER_AGENTS)], ip


def _event(j: Journey, cookie: str, kind: str, when: datetime, campaign: dict | None, **extra) -> dict:
    rng = j.rng
    path, title = extra.pop("page", ("/", "首页"))
    user_agent, ip = _device(cookie)
    context = {
        "library": {"name": "analytics.js", "version": "5.2.0"},
        "page": {"path": path, "url": SITE + path, "title": title, "referrer": "https://www.baidu.com/"},
        "userAgent": user_agent,
        "ip": ip,
        "locale": "zh-CN",
    }
    if campaign:
        context["campaign"] = campaign
    sent = _utc(when + timedelta(milliseconds=rng.randrange(5, 2000)))
    payload = {
        "type": kind,
        "messageId": f"ajs-next-{rng.getrandbits(64):016x}",
        "anonymousId": cookie,
        "timestamp": _utc(when),
        "sentAt": sent,
        "context": context,
        "integrations": {},
        "_received_at": sent,
    }
    payload.update(extra)
    return payload


def browse(
    j: Journey, when: datetime, campaign: dict | None = None, identify_with: dict | None = None
) -> str | None:
    """Emits one visit: page views (pricing and contact pages more likely with intent), sometimes a tracked
    action, and an identify call when `identify_with` gives traits. Gives the cookie used."""
    rng, p = j.rng, j.p
    if not p.cookies:
        return None
    cookie = rng.choice(p.cookies)
    campaign = campaign if campaign is not None else rng.choice(CAMPAIGNS)
    weights = [base + extra * p.intent for _, _, base, extra in PAGES]
    t = when
    for _ in range(1 + poisson(rng, 0.05 + 1.2 * p.intent)):
        path, title, _, _ = rng.choices(PAGES, weights=weights)[0]
        props = {"path": path, "url": SITE + path, "title": title}
        j.emit_web(_event(j, cookie, "page", t, campaign, page=(path, title), properties=props), cookie)
        t += timedelta(seconds=rng.randrange(5, 240))
        campaign = None  # utm parameters are on the landing page only
    for name, base, extra in TRACKED:
        if rng.random() < (base + extra * p.intent) * 0.3:
            props = {"category": "engagement", "label": name.lower().replace(" ", "_")}
            j.emit_web(_event(j, cookie, "track", t, None, event=name, properties=props), cookie)
            t += timedelta(seconds=rng.randrange(5, 60))
    if p.member_id and rng.random() < 0.3:
        identify_with = (identify_with or {}) | {"email": p.email}
    if identify_with:
        identify(j, cookie, t, identify_with)
    return cookie


def identify(j: Journey, cookie: str, when: datetime, traits: dict) -> None:
    """Emits an identify call linking the cookie to the traits (and to the site account when signed in)."""
    rng, p = j.rng, j.p
    traits = {k: v for k, v in traits.items() if v}
    traits.setdefault("name", p.name)
    extra: dict = {"traits": traits}
    truth = []
    if p.member_id and rng.random() < 0.7:
        extra["userId"] = p.member_id
        truth.append(("external_id", f"site:{p.member_id}"))
    if "email" in traits:
        traits["email"] = mess.messy_email(traits["email"], rng)
        truth.append(("email", p.email))
    if "phone" in traits:
        traits["phone"] = mess.messy_phone(traits["phone"], rng)
        truth.append(("phone", p.phone))
    payload = _event(j, cookie, "identify", when, None, **extra)
    j.emit_web(payload, cookie, truth)


def identify_later(j: Journey, known_since: datetime) -> None:
    """Most cookies that browsed anonymously identify later: a sign-in, a form on another page, an email link."""
    rng, p = j.rng, j.p
    seen = {v for r in j.records for t, v in r.identifiers if t == "anonymous_id"}
    identified = {
        r.payload["anonymousId"]
        for r in j.records
        if r.table == "web_tracking_events" and r.payload["type"] == "identify"
    }
    for cookie in sorted(seen - identified):
        if rng.random() < 0.97:
            when = j._time(max(known_since, j.start))
            if when < j.end:
                identify(
                    j, cookie, when, {"email": p.email, "phone": p.phone if rng.random() < 0.6 else None}
                )


def web_touch(j: Journey, when: datetime) -> None:
    """A visit on its own: from an ad, search or a bookmark; people who already left an email sometimes sign in."""
    browse(j, when)
