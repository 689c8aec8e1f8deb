"""Consent changes: the preference centre, unsubscribe links and privacy requests. Each change grants or
withdraws one purpose: a channel (email, sms, wechat), marketing altogether, or automated decisions (PIPL art.
24: no predictive score and no score-driven activation). The latest change per person and purpose wins."""

from connectors.sources.contract import Entity, Field, FilePattern, IdentifierField

PURPOSES = ("email", "sms", "wechat", "marketing", "automated_decisions")

CHANGES = Entity(
    channel="consent",
    entity="changes",
    files=(FilePattern("*.jsonl", "jsonl", example="preference-center-2026W44.jsonl"),),
    description="A person granted or withdrew consent for one purpose.",
    fields=(
        Field("change_id", required=True),
        Field("changed_at", "timestamp", required=True),
        Field("purpose", required=True),
        Field("status", required=True),
        Field("source", description="preference_center, unsubscribe_link, privacy_request, sales_rep, ..."),
        Field("email"),
        Field("phone"),
        Field("app_id"),
        Field("openid"),
        Field("unionid"),
        Field("crm_id"),
    ),
    identifier_fields=(
        IdentifierField("email", "email"),
        IdentifierField("phone", "phone"),
        IdentifierField("openid", "wechat_openid", scope_field="app_id"),
        IdentifierField("unionid", "wechat_unionid"),
        IdentifierField("crm_id", "crm_id"),
    ),
    allowed_values={"purpose": PURPOSES, "status": ("granted", "withdrawn")},
)

ENTITIES = (CHANGES,)
