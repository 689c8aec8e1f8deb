"""Content: whitepaper downloads, article and video views, and shares. A share link carries the sharer's
identifier (referrer_id_type and referrer_id), so a view or download through it credits the sharer: referral
chains and social-selling points. The referrer is someone else's identifier: it never links the record to them.
"""

from connectors.sources.contract import Entity, Field, FilePattern, IdentifierField

EVENTS = Entity(
    channel="content",
    entity="events",
    files=(FilePattern("*.jsonl", "jsonl", example="content-2026W44.jsonl"),),
    description="A download, view or share of a piece of content by a visitor or follower.",
    fields=(
        Field("event_id", required=True),
        Field("event", required=True),
        Field("occurred_at", "timestamp", required=True),
        Field("content_id", required=True),
        Field("content_title"),
        Field("content_type", description="whitepaper, article, case_study, video, ..."),
        Field("url"),
        Field("anonymous_id", description="The web visitor's cookie id."),
        Field("email"),
        Field("phone"),
        Field("app_id", description="The official account, for views inside WeChat."),
        Field("openid"),
        Field("unionid"),
        Field(
            "referrer_id_type", description="The type of the sharer's identifier: phone, email, crm_id, ..."
        ),
        Field("referrer_id", description="The sharer's identifier, from the share link."),
        Field("share_channel", description="For shares: wechat_moments, wechat_chat, email, link, ..."),
        Field("utm_source"),
        Field("utm_campaign"),
    ),
    identifier_fields=(
        IdentifierField("anonymous_id", "anonymous_id"),
        IdentifierField("email", "email"),
        IdentifierField("phone", "phone"),
        IdentifierField("openid", "wechat_openid", scope_field="app_id"),
        IdentifierField("unionid", "wechat_unionid"),
        IdentifierField("referrer_id", type_field="referrer_id_type", links_record=False),
    ),
    allowed_values={"event": ("download", "view", "share")},
)

ENTITIES = (EVENTS,)
