"""The propensity model's features: what each one measures, the SQL aggregate that computes it from behaviour
events before a cutoff, and the concept it explains in a salesperson's words.

The catalogue follows Yuchi's behaviour vocabulary (seeds/event_types.csv): one count per event type, and per
channel 7/30/90-day counts and days since its last event, plus the signals sales care about (demo requests,
pricing views, webinar and session minutes, email and SMS response rates), activity trend, recency, the CRM
lead's state at the cutoff and the fit attributes as they were known then. A warehouse without some channel
gives constant columns; training leaves those out of the model (FeatureSet.informative).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Yuchi's behaviour vocabulary (CONTRACTS.md): event type -> channel.
EVENT_CHANNELS: dict[str, str] = {
    "form_submitted": "web_forms",
    "page_viewed": "web_tracking",
    "tracked_event": "web_tracking",
    "wechat_subscribed": "wechat",
    "wechat_unsubscribed": "wechat",
    "wechat_qr_scanned": "wechat",
    "wechat_menu_clicked": "wechat",
    "wechat_article_viewed": "wechat",
    "wechat_article_shared": "wechat",
    "wechat_phone_bound": "wechat",
    "webinar_registered": "webinars",
    "webinar_attended": "webinars",
    "webinar_question_asked": "webinars",
    "offline_event_registered": "offline_events",
    "offline_event_checked_in": "offline_events",
    "offline_session_attended": "offline_events",
    "store_visited": "stores",
    "product_qr_scanned": "stores",
    "content_downloaded": "content",
    "content_viewed": "content",
    "content_shared": "content",
    "email_sent": "email",
    "email_delivered": "email",
    "email_opened": "email",
    "email_clicked": "email",
    "email_bounced": "email",
    "email_unsubscribed": "email",
    "sms_sent": "sms",
    "sms_delivered": "sms",
    "sms_clicked": "sms",
    "sms_failed": "sms",
    "sms_stop": "sms",
    "list_imported": "contact_lists",
}
CHANNELS = tuple(dict.fromkeys(EVENT_CHANNELS.values()))
FIT_ATTRIBUTES = ("industry", "company_size", "title_seniority", "region", "email_domain_kind")
HAND_RAISE = "(event_type = 'form_submitted' and event_detail in ('demo_request', 'contact_us'))"
PRICING_VIEW = "(event_type = 'page_viewed' and event_detail like '/pricing%')"


@dataclass(frozen=True)
class DistinctCount:
    """A count of distinct values of `of` (an events column, or "day": the calendar day of occurred_at) among
    the contact's events, or among those of the last `days` days. ml.snapshots counts them as the bits set in
    a bitstring of the values' codes, the same number as count(distinct ...) at about half the cost of a hash
    aggregate that also holds ~100 other aggregates (docs/decisions/2026-12-05-snapshot-distinct-counts.md)."""

    of: str
    days: int | None = None


@dataclass(frozen=True)
class Feature:
    """One model input: its column name, how it is computed and which concept it is evidence of.

    `sql` is an aggregate over the contact's events before the cutoff (`b`, with `age_days`: days from the
    event to the cutoff); None for features computed elsewhere (CRM state, fit attributes). A distinct count
    also names what it counts (`distinct`); `sql` stays its definition and the fallback.
    """

    name: str
    sql: str | None
    concept: str
    categorical: bool = False
    distinct: DistinctCount | None = None


WINDOWS = (7, 30, 90)


def _count(condition: str) -> str:
    return f"count(*) filter (where {condition})"


def _rate(event_type: str, of_event_type: str) -> str:
    """Share of `of_event_type` events followed up by `event_type` (capped at 1: an open tracked without its
    delivery receipt); NULL when there was nothing to respond to."""
    responses = _count(f"event_type = '{event_type}'")
    sent = _count(f"event_type = '{of_event_type}'")
    return f"least(1.0, {responses} / nullif({sent}, 0))"


def keeps_gaps(name: str) -> bool:
    """Gives whether a feature's absence is a gap (NaN: "never happened", "nothing to respond to") rather than 0."""
    return name.startswith("days_since") or name.endswith("_rate")


def _catalogue() -> tuple[Feature, ...]:
    features = [Feature(f"n_{t}", _count(f"event_type = '{t}'"), t) for t in EVENT_CHANNELS]
    for c in CHANNELS:  # how much, how lately, per channel: interest that is warming up or cooling down
        features += [
            Feature(f"n_{c}_{days}d", _count(f"channel = '{c}' and age_days <= {days}"), f"channel_{c}")
            for days in WINDOWS
        ]
        features.append(
            Feature(f"days_since_last_{c}", f"min(age_days) filter (where channel = '{c}')", f"channel_{c}")
        )
    features += [
        Feature(
            "n_demo_requests",
            _count("event_type = 'form_submitted' and event_detail = 'demo_request'"),
            "demo",
        ),
        Feature(
            "n_contact_requests",
            _count("event_type = 'form_submitted' and event_detail = 'contact_us'"),
            "contact",
        ),
        Feature(
            "n_whitepaper_forms",
            _count("event_type = 'form_submitted' and event_detail like 'whitepaper%'"),
            "whitepaper",
        ),
        Feature("n_pricing_views", _count(PRICING_VIEW), "pricing"),
        Feature("n_pricing_views_14d", _count(f"{PRICING_VIEW} and age_days <= 14"), "pricing"),
        Feature(
            "webinar_minutes",
            "coalesce(sum(minutes) filter (where event_type = 'webinar_attended'), 0)",
            "webinar_attended",
        ),
        Feature(
            "max_webinar_minutes",
            "coalesce(max(minutes) filter (where event_type = 'webinar_attended'), 0)",
            "webinar_attended",
        ),
        Feature(
            "n_webinars_30_min",
            _count("event_type = 'webinar_attended' and minutes >= 30"),
            "webinar_attended",
        ),
        Feature(
            "webinar_minutes_90d",
            "coalesce(sum(minutes) filter (where event_type = 'webinar_attended' and age_days <= 90), 0)",
            "webinar_attended",
        ),
        Feature(
            "offline_session_minutes",
            "coalesce(sum(minutes) filter (where event_type = 'offline_session_attended'), 0)",
            "offline_session_attended",
        ),
        # engagement rates: NULL (a gap, not 0) for someone never sent anything
        Feature("email_open_rate", _rate("email_opened", "email_delivered"), "email_opened"),
        Feature("email_click_rate", _rate("email_clicked", "email_delivered"), "email_clicked"),
        Feature("sms_click_rate", _rate("sms_clicked", "sms_delivered"), "sms_clicked"),
        Feature("n_hand_raises_30d", _count(f"{HAND_RAISE} and age_days <= 30"), "demo"),
        Feature("n_events", "count(*)", "activity"),
        Feature("n_events_7d", _count("age_days <= 7"), "recent_activity"),
        Feature("n_events_30d", _count("age_days <= 30"), "recent_activity"),
        Feature("n_events_90d", _count("age_days <= 90"), "recent_activity"),
        # the 30 days before the last 30: with n_events_30d, whether activity is rising or fading
        Feature("n_events_30_60d", _count("age_days > 30 and age_days <= 60"), "activity"),
        Feature(
            "n_channels_30d",
            "count(distinct channel) filter (where age_days <= 30)",
            "channels",
            distinct=DistinctCount("channel", 30),
        ),
        Feature(
            "active_days",
            "count(distinct cast(occurred_at as date))",
            "activity",
            distinct=DistinctCount("day"),
        ),
        Feature(
            "active_days_30d",
            "count(distinct cast(occurred_at as date)) filter (where age_days <= 30)",
            "recent_activity",
            distinct=DistinctCount("day", 30),
        ),
        Feature("n_channels", "count(distinct channel)", "channels", distinct=DistinctCount("channel")),
        Feature(
            "n_event_types", "count(distinct event_type)", "activity", distinct=DistinctCount("event_type")
        ),
        Feature("days_since_last_event", "min(age_days)", "recency"),
        Feature("days_since_first_event", "max(age_days)", "tenure"),
        Feature(
            "days_since_last_hand_raise",
            f"min(age_days) filter (where {HAND_RAISE} or {PRICING_VIEW})",
            "demo",
        ),
        Feature("has_crm_lead", None, "crm_lead"),
        Feature("days_since_crm_lead", None, "crm_lead"),
        Feature("crm_disqualified", None, "crm_lead"),
    ]
    features += [Feature(a, None, a, categorical=True) for a in FIT_ATTRIBUTES]
    return tuple(features)


CATALOGUE: tuple[Feature, ...] = _catalogue()
BY_NAME: dict[str, Feature] = {f.name: f for f in CATALOGUE}


@dataclass(frozen=True)
class FeatureSet:
    """The feature columns a model was trained with; scoring uses exactly these, in this order."""

    numeric: tuple[str, ...] = field(
        default_factory=lambda: tuple(f.name for f in CATALOGUE if not f.categorical)
    )
    categorical: tuple[str, ...] = field(
        default_factory=lambda: tuple(f.name for f in CATALOGUE if f.categorical)
    )

    @property
    def columns(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    def informative(self, frame) -> tuple[FeatureSet, list[str]]:
        """Gives the feature set without the columns that hold one value in `frame` (a channel this warehouse
        does not load: all zeros or all gaps), and the names left out. A constant teaches a model nothing and
        would only cost time in every fit, explanation and scoring run."""
        constant = [c for c in self.columns if _is_constant(frame[c])]
        kept = FeatureSet(
            tuple(c for c in self.numeric if c not in constant),
            tuple(c for c in self.categorical if c not in constant),
        )
        return kept, constant


def _is_constant(values) -> bool:
    """Gives whether a column holds one value (a gap counts as a value): for numbers without hashing them."""
    if values.dtype.kind != "f":
        return values.nunique(dropna=False) <= 1
    numbers = values.to_numpy()
    gaps = np.isnan(numbers)
    return bool(gaps.all() or (not gaps.any() and numbers.min() == numbers.max()))


DEFAULT_FEATURES = FeatureSet()
