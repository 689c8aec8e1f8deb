"""Email engagement: the email service's event webhooks or exports, one JSON object per event."""

from connectors.sources.contract import Entity, Field, FilePattern, IdentifierField

EMAIL_EVENTS = ("sent", "delivered", "opened", "clicked", "bounced", "unsubscribed")

EVENTS = Entity(
    channel="email",
    entity="events",
    files=(FilePattern("*.jsonl", "jsonl", example="esp-2026W44.jsonl"),),
    description="Something that happened to an email sent to a person: delivery, open, click, bounce, unsubscribe.",
    fields=(
        Field("event_id", required=True),
        Field("event", required=True),
        Field("occurred_at", "timestamp", required=True),
        Field("email", required=True),
        Field("campaign_id"),
        Field("message_id", description="The email service's id of the message."),
        Field("url", description="The link, for clicks."),
        Field("bounce_type", description="hard or soft, for bounces."),
        Field("reason", description="The bounce or unsubscribe reason the service gives."),
        Field("user_agent"),
        Field("ip"),
    ),
    identifier_fields=(IdentifierField("email", "email"),),
    allowed_values={"event": EMAIL_EVENTS},
)

ENTITIES = (EVENTS,)
