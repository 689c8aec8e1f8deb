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
    """How to say one reason: the phrase for a frame of contacts, when it may be said, and the feature columns
    both read (a model trained without one of them, constant in its training data, cannot say it)."""

    phrase: Callable[[pd.DataFrame], pd.Series]
    applies: Callable[[pd.DataFrame], pd.Series]
    reads: tuple[str, ...] = ()


def _event(verb: str, noun: str | None = None, plural: str | None = None) -> Callable[[str], Concept]:
    """A phrase for an event count: "read 4 WeChat articles", or "<verb> 3 times" without a noun."""

    def build(event_type: str) -> Concept:
        column = f"n_{event_type}"
        if noun:
            phrase = lambda v: verb + " " + _count(v[column], noun, plural)  # noqa: E731
        else:
            phrase = lambda v: verb + " " + _times(v[column])  # noqa: E731
        return Concept(phrase, lambda v: v[column] > 0, (column,))

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


def _channel(v: pd.DataFrame, channel: str, words: str) -> pd.Series:
    recent, quarter = v[f"n_{channel}_30d"], v[f"n_{channel}_90d"]
    return pd.Series(
        np.where(
            recent > 0,
            _count(recent, "interaction") + f" on {words} in the last 30 days",
            _count(quarter, "interaction") + f" on {words} in the last 90 days",
        ),
        index=v.index,
    )


def _concepts() -> dict[str, Concept]:
    concepts = {t: build(t) for t, build in EVENT_WORDS.items()}
    concepts["webinar_attended"] = Concept(
        _webinars, lambda v: v["n_webinar_attended"] > 0, ("n_webinar_attended", "webinar_minutes")
    )
    for channel, words in CHANNEL_WORDS.items():
        concepts[f"channel_{channel}"] = Concept(
            lambda v, c=channel, w=words: _channel(v, c, w),
            lambda v, c=channel: v[f"n_{c}_90d"] > 0,
            (f"n_{channel}_30d", f"n_{channel}_90d"),
        )
    concepts |= {
        "demo": Concept(_demo, lambda v: v["n_demo_requests"] > 0, ("n_demo_requests",)),
        "contact": Concept(
            lambda v: pd.Series("asked sales to get in touch", index=v.index),
            lambda v: v["n_contact_requests"] > 0,
            ("n_contact_requests",),
        ),
        "whitepaper": Concept(
            lambda v: "downloaded " + _count(v["n_whitepaper_forms"], "whitepaper"),
            lambda v: v["n_whitepaper_forms"] > 0,
            ("n_whitepaper_forms",),
        ),
        "pricing": Concept(
            lambda v: "viewed pricing " + _times(v["n_pricing_views"]),
            lambda v: v["n_pricing_views"] > 0,
            ("n_pricing_views",),
        ),
        "activity": Concept(
            lambda v: _count(v["n_events"], "interaction") + " in total",
            lambda v: v["n_events"] > 0,
            ("n_events",),
        ),
        "recent_activity": Concept(
            lambda v: _count(v["n_events_30d"], "interaction") + " in the last 30 days",
            lambda v: v["n_events_30d"] > 0,
            ("n_events_30d",),
        ),
        "channels": Concept(
            lambda v: "engaged on " + _int(v["n_channels"]).astype(str) + " channels",
            lambda v: v["n_channels"] > 1,
            ("n_channels",),
        ),
        "recency": Concept(_recency, lambda v: v["days_since_last_event"] <= 30, ("days_since_last_event",)),
        "tenure": Concept(
            lambda v: "known for " + _int(v["days_since_first_event"]).astype(str) + " days",
            lambda v: v["days_since_first_event"] >= 1,
            ("days_since_first_event",),
        ),
        "crm_lead": Concept(
            _crm_lead,
            lambda v: (v["has_crm_lead"] > 0) & (v["crm_disqualified"] == 0),
            ("has_crm_lead", "crm_disqualified", "days_since_crm_lead"),
        ),
    }
    for attribute in FIT_ATTRIBUTES:
        concepts[attribute] = Concept(
            lambda v, a=attribute: FIT_WORDS[a](v[a].astype(str)),
            lambda v, a=attribute: ~v[a].isin(["unknown", "personal", "student"]),
            (attribute,),
        )
    return concepts


CONCEPTS = _concepts()
NOT_REASONS = {
    t for t in EVENT_CHANNELS if t not in CONCEPTS
}  # sends, bounces, opt-outs: never a reason to call


def _phrases(concept: Concept, frame: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Gives the concept's phrase for the given rows, built once per distinct combination of the values it
    reads."""
    codes = np.zeros(len(rows), dtype=np.int64)
    for column in concept.reads:  # one hash pass per column; combined codes stay small
        column_codes, uniques = pd.factorize(frame[column].take(rows), use_na_sentinel=False)
        codes = codes * len(uniques) + column_codes
    inverse, first = _dense(codes)
    distinct = frame[list(concept.reads)].iloc[rows[first]].reset_index(drop=True)
    return concept.phrase(distinct).to_numpy(dtype=object)[inverse]


def _dense(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gives integer keys recoded 0..k-1 (by hashing: no sort) and the first row holding each code."""
    codes, uniques = pd.factorize(keys)
    first = np.empty(len(uniques), dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)  # the last write wins: the earliest row
    return codes, first


def _sayable(features: FeatureSet, frame: pd.DataFrame) -> list[str]:
    concepts = {BY_NAME[c].concept for c in features.columns if BY_NAME[c].concept in CONCEPTS}
    return sorted(n for n in concepts if set(CONCEPTS[n].reads) <= set(frame.columns))


def top_reasons(
    frame: pd.DataFrame, contributions: np.ndarray, features: FeatureSet, top_n: int = 3
) -> pd.Series:
    """Gives, per contact, its top_n reasons joined by '; ': the concepts whose features raise its probability
    most (at least MIN_EFFECT) and that apply to it; '' when nothing stands out.

    Text is built per distinct value, never per contact: each concept's phrases once for the contacts it
    explains, each distinct combination of phrases joined once."""
    names = _sayable(features, frame)
    # concept-major, so every step below reads and writes one contiguous row per concept
    per_concept = np.zeros((len(names), len(frame)))
    for j, column in enumerate(features.columns):
        if BY_NAME[column].concept in names:
            per_concept[names.index(BY_NAME[column].concept)] += contributions[:, j]
    for i, name in enumerate(names):
        silent = ~CONCEPTS[name].applies(frame).to_numpy(dtype=bool) | (per_concept[i] < MIN_EFFECT)
        per_concept[i, silent] = -np.inf
    slots = min(top_n, len(names))
    chosen = np.full((slots, len(frame)), -1, dtype=np.int64)  # concept per slot, -1: nothing (more) to say
    for slot in range(slots):  # one running maximum over concepts per slot: cheaper than sorting every row
        best, value = np.zeros(len(frame), dtype=np.int64), per_concept[0].copy()
        for i in range(1, len(names)):
            higher = per_concept[i] > value
            best[higher], value[higher] = i, per_concept[i, higher]
        said = np.isfinite(value)
        per_concept[best[said], np.flatnonzero(said)] = -np.inf
        chosen[slot, said] = best[said]
    vocabulary: list[object] = [""]  # phrase id 0 is "nothing"
    phrase_ids = np.zeros_like(chosen)
    for i in np.unique(chosen[chosen >= 0]):
        explained = np.flatnonzero((chosen == i).any(axis=0))
        texts, uniques = pd.factorize(_phrases(CONCEPTS[names[i]], frame, explained))
        position = np.empty(len(frame), dtype=np.int64)
        position[explained] = np.arange(len(explained))
        for slot in range(slots):
            here = np.flatnonzero(chosen[slot] == i)
            phrase_ids[slot, here] = len(vocabulary) + texts[position[here]]
        vocabulary += list(uniques)
    key = np.zeros(len(frame), dtype=np.int64)
    for slot in range(slots):  # recoded after each slot so the combined key never overflows
        key, _ = _dense(key * len(vocabulary) + phrase_ids[slot])
    key, first = _dense(key)
    joined = np.array(
        ["; ".join(vocabulary[p] for p in phrase_ids[:, row] if p) for row in first], dtype=object
    )
    return pd.Series(
        joined[key] if len(frame) else np.array([], dtype=object), index=frame.index, dtype=object
    )
