"""What a demo person does offline: registers for a conference, has their badge scanned at the door and in
sessions, visits a store or showroom, and scans the one-item-one-code QR on a product they bought."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from connectors.demo import mess

if TYPE_CHECKING:
    from connectors.demo.channels import Journey

EVENTS = {  # event id: (name, sessions)
    "ev2026-expo-sh": ("2026 中国实验室数字化博览会 上海", ("keynote", "lims-workshop", "pharma-qc-panel")),
    "ev2026-summit-bj": ("Digital Lab Summit Beijing", ("keynote", "supply-chain-track")),
    "ev2026-roadshow-sz": ("深圳客户沙龙", ("product-demo",)),
}
STORES = {
    "st-sh-01": ("上海体验中心", "上海"),
    "st-bj-01": ("北京展厅", "北京"),
    "st-gz-01": ("广州门店", "广州"),
}
PRODUCTS = (
    ("SKU-PIPETTE-X1", "智能移液器 X1"),
    ("SKU-BALANCE-B2", "分析天平 B2"),
    ("SKU-KIT-QC", "QC 试剂盒"),
)


def _local(when: datetime) -> str:
    return when.isoformat(sep=" ", timespec="seconds")


def offline_event(j: Journey, when: datetime) -> None:
    """Registers for an event; most registrants come and are badge-scanned, by phone, at the door and sessions."""
    rng, p = j.rng, j.p
    event_id = rng.choice(list(EVENTS))
    name, sessions = EVENTS[event_id]
    reg_id = f"er_{rng.getrandbits(40):010x}"
    phone = rng.choice(mess.JUNK_PHONES) if rng.random() < j.junk_rate else mess.messy_phone(p.phone, rng)
    truth = [] if phone in mess.JUNK_PHONES else [("phone", p.phone)]
    email = mess.messy_email(p.email, rng) if rng.random() < 0.7 else None
    truth += [("email", p.email)] if email else []
    if not truth:
        email, truth = p.email, [("email", p.email)]
    j.emit(
        "offline_events_registrations",
        when,
        {
            "registration_id": reg_id,
            "event_id": event_id,
            "event_name": name,
            "registered_at": _local(when),
            "name": mess.typo_name(p.name, rng),
            "phone": phone,
            "email": email,
            "company": mess.maybe_blank(p.company, rng, 0.1),
            "title": mess.maybe_blank(p.title, rng, 0.2),
            "city": mess.maybe_blank(p.city, rng, 0.5),
            "ticket_type": rng.choice(("visitor", "visitor", "visitor", "vip")),
            "utm_source": rng.choice(("wechat", "edm", "baidu", "")),
            "utm_campaign": "expo_2026",
        },
        truth,
    )
    if rng.random() > 0.55 + 0.35 * p.intent:
        return
    day = when + timedelta(days=rng.randint(3, 20))
    scan = day.replace(hour=9, minute=rng.randrange(60))
    j.emit(
        "offline_events_checkins",
        scan,
        {
            "scan_id": f"bs_{rng.getrandbits(40):010x}",
            "event_id": event_id,
            "registration_id": reg_id,
            "scanned_at": _local(scan),
            "scan_point": "entrance",
            "name": p.name,
            "phone": p.phone,
            "email": None,
            "company": p.company,
            "title": p.title,
        },
        [("phone", p.phone)],
    )
    if rng.random() < 0.2 + 0.5 * p.intent:
        booth = scan + timedelta(minutes=rng.randrange(30, 300))
        j.emit(
            "offline_events_checkins",
            booth,
            {
                "scan_id": f"bs_{rng.getrandbits(40):010x}",
                "event_id": event_id,
                "registration_id": reg_id,
                "scanned_at": _local(booth),
                "scan_point": "booth_A3",
                "name": p.name,
                "phone": p.phone,
                "email": None,
                "company": p.company,
                "title": p.title,
            },
            [("phone", p.phone)],
        )
        j.lead_moments.append((booth, "booth_visit"))
        j.world.lists.add_from_booth(j, booth, event_id)
    for session in sessions:
        if rng.random() < 0.25 + 0.5 * p.intent:
            entered = scan + timedelta(hours=rng.randint(1, 7))
            minutes = round(rng.uniform(5, 60), 1)
            j.emit(
                "offline_events_session_attendance",
                entered,
                {
                    "scan_id": f"ss_{rng.getrandbits(40):010x}",
                    "event_id": event_id,
                    "session_id": session,
                    "session_title": session.replace("-", " ").title(),
                    "entered_at": _local(entered),
                    "left_at": _local(entered + timedelta(minutes=minutes)),
                    "minutes": minutes,
                    "phone": mess.messy_phone(p.phone, rng),
                    "email": None,
                },
                [("phone", p.phone)],
            )


def store_visit(j: Journey, when: datetime) -> None:
    """Visits a store or showroom, registered by phone at reception; some then buy and scan the product's code."""
    rng, p = j.rng, j.p
    store_id = rng.choice(list(STORES))
    name, city = STORES[store_id]
    j.emit(
        "stores_visits",
        when,
        {
            "visit_id": f"sv_{rng.getrandbits(40):010x}",
            "store_id": store_id,
            "store_name": name,
            "city": city,
            "visited_at": _local(when),
            "purpose": rng.choice(("browse", "consultation", "demo", "pickup")),
            "name": mess.typo_name(p.name, rng),
            "phone": mess.messy_phone(p.phone, rng),
            "email": None,
            "staff_id": f"S{rng.randrange(100, 130)}",
        },
        [("phone", p.phone)],
    )
    if p.openids and rng.random() < 0.4:
        product_scan(j, when + timedelta(days=rng.randint(0, 20)), store_id)


def product_scan(j: Journey, when: datetime, store_id: str | None = None) -> None:
    """Scans the unique code on an item, in WeChat: the H5 page knows the OpenID, sometimes the phone."""
    rng, p = j.rng, j.p
    if not p.openids:
        return
    app = rng.choice(list(p.openids))
    sku, product = rng.choice(PRODUCTS)
    truth = [("wechat_openid", f"{app}:{p.openids[app]}")]
    payload = {
        "scan_id": f"ps_{rng.getrandbits(48):012x}",
        "code": f"{sku}-{rng.getrandbits(40):010X}",
        "sku": sku,
        "product_name": product,
        "scanned_at": when.isoformat(timespec="seconds"),
        "scan_number": 1 if rng.random() < 0.9 else rng.randint(2, 4),
        "store_id": store_id,
        "app_id": app,
        "openid": p.openids[app],
    }
    if p.unionid and rng.random() < 0.5:
        payload["unionid"] = p.unionid
        truth.append(("wechat_unionid", p.unionid))
    if rng.random() < 0.4:
        payload["phone"] = mess.messy_phone(p.phone, rng)
        truth.append(("phone", p.phone))
    j.emit("stores_product_scans", when, payload, truth)
