"""What a demo person does with content: downloads gated whitepapers, reads articles on the site or in WeChat,
and shares them; a share link carries the sharer's id, so the people who open it credit the sharer."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from connectors.demo import mess

if TYPE_CHECKING:
    from connectors.demo.channels import Journey

CONTENT = (  # content id, title, type
    ("wp-digital-lab", "数字化实验室白皮书", "whitepaper"),
    ("wp-supply-chain", "Supply chain visibility whitepaper", "whitepaper"),
    ("case-pharma-qc", "某药企 QC 实验室数字化案例", "case_study"),
    ("article-lims-roi", "LIMS 投资回报怎么算", "article"),
    ("video-demo-2026", "产品演示视频", "video"),
)
SHARE_CHANNELS = ("wechat_moments", "wechat_chat", "email", "link")


class SharePool:
    """The recent shares other people may open: (sharer person, referrer type, referrer id, content id, when)."""

    def __init__(self, size: int = 400):
        self.shares: deque[tuple[str, str, str, str, datetime]] = deque(maxlen=size)


def _id_fields(j: Journey, where: str) -> tuple[dict, list[tuple[str, str]]]:
    rng, p = j.rng, j.p
    if where == "wechat" and p.openids:
        app = rng.choice(list(p.openids))
        fields = {"app_id": app, "openid": p.openids[app]}
        truth = [("wechat_openid", f"{app}:{p.openids[app]}")]
        if p.unionid and rng.random() < 0.5:
            fields["unionid"] = p.unionid
            truth.append(("wechat_unionid", p.unionid))
        return fields, truth
    if where == "gated":
        fields, truth = {"email": mess.messy_email(p.email, rng)}, [("email", p.email)]
        if rng.random() < 0.5:
            fields["phone"] = mess.messy_phone(p.phone, rng)
            truth.append(("phone", p.phone))
        if p.cookies:
            fields["anonymous_id"] = rng.choice(p.cookies)
            truth.append(("anonymous_id", fields["anonymous_id"]))
        return fields, truth
    if p.cookies:
        cookie = rng.choice(p.cookies)
        return {"anonymous_id": cookie}, [("anonymous_id", cookie)]
    return {}, []


def content_touch(j: Journey, when: datetime) -> None:
    """Reads or downloads a piece of content; sometimes through a colleague's share, sometimes shares it on."""
    rng, p = j.rng, j.p
    content_id, title, kind = rng.choices(CONTENT, weights=[3, 2, 2, 3, 1])[0]
    referral = None
    pool = j.world.shares
    if pool.shares and rng.random() < 0.35:
        referral = rng.choice(pool.shares)
        content_id, title, kind = next(c for c in CONTENT if c[0] == referral[3])
    event = "download" if kind == "whitepaper" and rng.random() < 0.3 + 0.5 * p.intent else "view"
    where = "gated" if event == "download" else ("wechat" if p.openids and rng.random() < 0.5 else "site")
    fields, truth = _id_fields(j, where)
    if not truth:
        return
    payload = {
        "event_id": f"ce_{rng.getrandbits(48):012x}",
        "event": event,
        "occurred_at": when.isoformat(timespec="seconds"),
        "content_id": content_id,
        "content_title": title,
        "content_type": kind,
        "url": f"https://www.example.cn/resources/{content_id}",
        **fields,
    }
    if referral:
        payload["referrer_id_type"], payload["referrer_id"] = referral[1], referral[2]
    j.emit(
        "content_events",
        when,
        payload,
        truth,
        referrer=(referral[0], f"{referral[1]}:{referral[2]}") if referral else None,
    )
    if event == "download" and rng.random() < 0.3:
        j.lead_moments.append((when, "whitepaper_download"))
    if rng.random() < 0.08 + 0.25 * p.intent:
        share(j, when + timedelta(minutes=rng.randrange(1, 600)), content_id, title, kind)


def share(j: Journey, when: datetime, content_id: str, title: str, kind: str) -> None:
    """Shares content: the share record carries the sharer's own ids; the link carries one of them."""
    rng, p = j.rng, j.p
    where = "wechat" if p.openids and rng.random() < 0.6 else "gated"
    fields, truth = _id_fields(j, where)
    ref_type, ref_id = (
        ("wechat_unionid", p.unionid) if where == "wechat" and p.unionid else ("phone", "+86" + p.phone)
    )
    if rng.random() < 0.3:
        ref_type, ref_id = "email", p.email
    payload = {
        "event_id": f"ce_{rng.getrandbits(48):012x}",
        "event": "share",
        "occurred_at": when.isoformat(timespec="seconds"),
        "content_id": content_id,
        "content_title": title,
        "content_type": kind,
        "share_channel": rng.choice(SHARE_CHANNELS),
        **fields,
    }
    j.emit("content_events", when, payload, truth)
    j.world.shares.shares.append((p.person_id, ref_type, ref_id, content_id, when))
