"""Reasons in a salesperson's words: "attended 2 webinars for 95 minutes", "viewed pricing 3 times".

Each feature is evidence of a concept (features.Feature.concept); a concept has a phrase built from the
contact's values and a condition for it to be said at all: nothing is ever reported as "engaged 0 times".
Phrases are built per concept for all the contacts it explains at once, so a million contacts take seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from ml.features import BY_NAME, EVENT_CHANNELS, FIT_ATTRIBUTES, FeatureSet

MIN_EFFECT = 0.001  # a reason must move the probability by at least 0.1 percentage point


def _int(values: pd.Series) -> pd.Series:
    return values.fillna(0).round().astype("int64")


def _times(values: pd.Series) -> pd.Series:
    n = _int(values)
    return pd.Series(np.where(n == 1, "once", n.astype(str) + " times"), index=values.index)


def _count(values: pd.Series, singular: str, plural: str | None = None) -> pd.Series:
    n = _int(values)
    return n.astype(str) + pd.Series(
        np.where(n == 1, " " + singular, " " + (plural or singular + "s")), index=values.index
    )


@dataclass(frozen=True)
class Concept:
    """How to say one reason: the phrase for a frame of contacts, and when it may be said."""

    phrase: Callable[[pd.DataFrame], pd.Series]
    applies: Callable[[pd.DataFrame], pd.Series]


def _event(verb: str, noun: str | None = None, plural: str | None = None) -> Callable[[str], Concept]:
    """A phrase for an event count: "read 4 WeChat articles", or "<verb> 3 times" without a noun."""

    def build(event_type: str) -> Concept:
        column = f"n_{event_type}"
        if noun:
            phrase = lambda v: verb + " " + _count(v[column], noun, plural)  # noqa: E731
        else:
            phrase = lambda v: verb + " " + _times(v[column])  # noqa: E731
        return Concept(phrase, lambda v: v[column] > 0)

    return build


EVENT_WORDS = {
    "form_submitted": _event("submitted", "form"),
    "page_viewed": _event("viewed", "web page"),
    "tracked_event": _event("took", "action", "actions on the website"),
    "wechat_subscribed": _event("followed the WeChat account"),
    "wechat_qr_scanned": _event("scanned", "WeChat QR code"),
    "wechat_menu_clicked": _event("used the WeChat menu"),
    "wechat_article_viewed": _event("read", "WeChat article"),
    "wechat_article_shared": _event("shared", "WeChat article"),
    "wechat_phone_bound": _event("bound a phone number on WeChat"),
    "webinar_registered": _event("registered for", "webinar"),
    "webinar_question_asked": _event("asked", "question in webinars", "questions in webinars"),
    "offline_event_registered": _event("registered for", "offline event"),
    "offline_event_checked_in": _event("checked in at", "event"),
    "offline_session_attended": _event("attended", "event session"),
    "store_visited": _event("visited a store"),
    "product_qr_scanned": _event("scanned", "product code"),
    "content_downloaded": _event("downloaded", "document"),
    "content_viewed": _event("viewed", "piece of content", "pieces of content"),
    "content_shared": _event("shared content"),
    "email_opened": _event("opened", "email"),
    "email_clicked": _event("clicked", "email link"),
    "sms_clicked": _event("clicked", "SMS link"),
}
CHANNEL_WORDS = {
    "web_forms": "web forms",
    "web_tracking": "the website",
    "wechat": "WeChat",
    "webinars": "webinars",
    "offline_events": "offline events",
    "stores": "stores",
    "content": "content",
    "email": "email",
    "sms": "SMS",
}
FIT_WORDS = {
    "industry": lambda v: "works in " + v.str.replace("_", " "),
    "company_size": lambda v: "company of " + v + " people",
    "title_seniority": lambda v: v.map(
        {
            "c_level": "C-level title",
            "vp": "VP title",
            "director": "director-level title",
            "manager": "manager title",
        }
    ).fillna(v + " title"),
    "region": lambda v: "based in " + v.str.replace("_china", " China").str.title(),
    "email_domain_kind": lambda v: "uses a " + v + " email address",
}


def _webinars(v: pd.DataFrame) -> pd.Series:
    return (
        "attended "
        + _count(v["n_webinar_attended"], "webinar")
        + (" for " + _int(v["webinar_minutes"]).astype(str) + " minutes")
    )


def _demo(v: pd.DataFrame) -> pd.Series:
    repeated = pd.Series(
        np.where(_int(v["n_demo_requests"]) > 1, " " + _times(v["n_demo_requests"]), ""), index=v.index
    )
    return "requested a demo" + repeated


def _crm_lead(v: pd.DataFrame) -> pd.Series:
    days = _int(v["days_since_crm_lead"])
    since = "open CRM lead for " + _count(days, "day")
    return pd.Series(np.where(days == 0, "new CRM lead today", since), index=v.index)


def _recency(v: pd.DataFrame) -> pd.Series:
    days = _int(v["days_since_last_event"])
    ago = "last active " + _count(days, "day") + " ago"
    return pd.Series(np.where(days == 0, "active today", ago), index=v.index)


def _concepts() -> dict[str, Concept]:
    concepts = {t: build(t) for t, build in EVENT_WORDS.items()}
    concepts["webinar_attended"] = Concept(_webinars, lambda v: v["n_webinar_attended"] > 0)
    for channel, words in CHANNEL_WORDS.items():
        column = f"n_{channel}_30d"
        concepts[f"channel_{channel}"] = Concept(
            lambda v, c=column, w=words: _count(v[c], "interaction") + f" on {w} in the last 30 days",
            lambda v, c=column: v[c] > 0,
        )
    concepts |= {
        "demo": Concept(_demo, lambda v: v["n_demo_requests"] > 0),
        "contact": Concept(
            lambda v: pd.Series("asked sales to get in touch", index=v.index),
            lambda v: v["n_contact_requests"] > 0,
        ),
        "whitepaper": Concept(
            lambda v: "downloaded " + _count(v["n_whitepaper_forms"], "whitepaper"),
            lambda v: v["n_whitepaper_forms"] > 0,
        ),
        "pricing": Concept(
            lambda v: "viewed pricing " + _times(v["n_pricing_views"]), lambda v: v["n_pricing_views"] > 0
        ),
        "activity": Concept(
            lambda v: _count(v["n_events"], "interaction") + " in total", lambda v: v["n_events"] > 0
        ),
        "recent_activity": Concept(
            lambda v: _count(v["n_events_30d"], "interaction") + " in the last 30 days",
            lambda v: v["n_events_30d"] > 0,
        ),
        "channels": Concept(
            lambda v: "engaged on " + _int(v["n_channels"]).astype(str) + " channels",
            lambda v: v["n_channels"] > 1,
        ),
        "recency": Concept(_recency, lambda v: v["days_since_last_event"] <= 30),
        "tenure": Concept(
            lambda v: "known for " + _int(v["days_since_first_event"]).astype(str) + " days",
            lambda v: v["days_since_first_event"] >= 1,
        ),
        "crm_lead": Concept(
            _crm_lead,
            lambda v: (v["has_crm_lead"] > 0) & (v["crm_disqualified"] == 0),
        ),
    }
    for attribute in FIT_ATTRIBUTES:
        concepts[attribute] = Concept(
            lambda v, a=attribute: FIT_WORDS[a](v[a].astype(str)),
            lambda v, a=attribute: ~v[a].isin(["unknown", "personal", "student"]),
        )
    return concepts


CONCEPTS = _concepts()
NOT_REASONS = {
    t for t in EVENT_CHANNELS if t not in CONCEPTS
}  # sends, bounces, opt-outs: never a reason to call


def _phrases(name: str, frame: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> np.ndarray:
    """Gives the concept's phrase for the given rows, built once per distinct combination of its values."""
    codes = np.zeros(len(rows), dtype=np.int64)
    for column in columns:  # one hash pass per column; combined codes stay small
        column_codes, uniques = pd.factorize(frame[column].to_numpy()[rows], use_na_sentinel=False)
        codes = codes * len(uniques) + column_codes
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    distinct = frame[columns].iloc[rows[first]].reset_index(drop=True)
    return CONCEPTS[name].phrase(distinct).to_numpy(dtype=object)[inverse]


def top_reasons(
    frame: pd.DataFrame, contributions: np.ndarray, features: FeatureSet, top_n: int = 3
) -> pd.Series:
    """Gives, per contact, its top_n reasons joined by '; ': the concepts whose features raise its probability
    most (at least MIN_EFFECT) and that apply to it; '' when nothing stands out."""
    names = sorted({BY_NAME[c].concept for c in features.columns if BY_NAME[c].concept in CONCEPTS})
    membership = np.zeros((len(features.columns), len(names)))  # feature -> concept, to sum by one product
    for j, column in enumerate(features.columns):
        if BY_NAME[column].concept in names:
            membership[j, names.index(BY_NAME[column].concept)] = 1.0
    with threadpool_limits(limits=1, user_api="blas"):  # a small product: more BLAS threads would only spin
        per_concept = contributions @ membership
    for i, name in enumerate(names):
        silent = ~CONCEPTS[name].applies(frame).to_numpy(dtype=bool) | (per_concept[:, i] < MIN_EFFECT)
        per_concept[silent, i] = -np.inf
    rows = np.arange(len(frame))
    joined = np.full(len(frame), "", dtype=object)
    for slot in range(min(top_n, len(names))):  # one argmax pass per slot: cheaper than sorting every row
        best = per_concept.argmax(axis=1)
        said = np.isfinite(per_concept[rows, best])
        per_concept[rows, best] = -np.inf
        texts = np.empty(len(frame), dtype=object)
        for i in np.unique(best[said]):
            chosen = np.flatnonzero(said & (best == i))
            columns = [c for c in features.columns if BY_NAME[c].concept == names[i]]
            texts[chosen] = _phrases(names[i], frame, chosen, columns)
        # a slot is said only if the slots before it were
        joined[said] = (joined[said] + "; " + texts[said]) if slot else texts[said]
    return pd.Series(joined, index=frame.index, dtype=object)
