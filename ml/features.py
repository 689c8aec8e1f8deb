"""The propensity model's features: what each one measures, the SQL aggregate that computes it from behaviour
events before a cutoff, and the concept it explains in a salesperson's words.

The catalogue follows Yuchi's behaviour vocabulary (seeds/event_types.csv): one count per event type and one
30-day count per channel, plus the signals sales care about (demo requests, pricing views, webinar minutes),
recency, the CRM lead's state at the cutoff and the fit attributes as they were known then.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
class Feature:
    """One model input: its column name, how it is computed and which concept it is evidence of.

    `sql` is an aggregate over the contact's events before the cutoff (`b`, with `age_days`: days from the
    event to the cutoff); None for features computed elsewhere (CRM state, fit attributes).
    """

    name: str
    sql: str | None
    concept: str
    categorical: bool = False


def _count(condition: str) -> str:
    return f"count(*) filter (where {condition})"


def _catalogue() -> tuple[Feature, ...]:
    features = [Feature(f"n_{t}", _count(f"event_type = '{t}'"), t) for t in EVENT_CHANNELS]
    features += [
        Feature(f"n_{c}_30d", _count(f"channel = '{c}' and age_days <= 30"), f"channel_{c}") for c in CHANNELS
    ]
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
        Feature("n_hand_raises_30d", _count(f"{HAND_RAISE} and age_days <= 30"), "demo"),
        Feature("n_events", "count(*)", "activity"),
        Feature("n_events_7d", _count("age_days <= 7"), "recent_activity"),
        Feature("n_events_30d", _count("age_days <= 30"), "recent_activity"),
        Feature("active_days", "count(distinct cast(occurred_at as date))", "activity"),
        Feature(
            "active_days_30d",
            "count(distinct cast(occurred_at as date)) filter (where age_days <= 30)",
            "recent_activity",
        ),
        Feature("n_channels", "count(distinct channel)", "channels"),
        Feature("n_event_types", "count(distinct event_type)", "activity"),
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


DEFAULT_FEATURES = FeatureSet()
