"""SMS engagement: the SMS gateway's status reports, link clicks and replies (上行短信), one JSON object per
event. A reply of TD, T, N, STOP or 退订 is an opt-out: staging reads the keywords from seeds/sms_stop_keywords."""

from connectors.sources.contract import Entity, Field, FilePattern, IdentifierField

SMS_EVENTS = ("sent", "delivered", "failed", "clicked", "replied")

EVENTS = Entity(
    channel="sms",
    entity="events",
    files=(FilePattern("*.jsonl", "jsonl", example="gateway-2026W44.jsonl"),),
    description="Something that happened to a text message: delivery, failure, a link click, or a reply.",
    fields=(
        Field("event_id", required=True),
        Field("event", required=True),
        Field("occurred_at", "timestamp", required=True),
        Field("phone", required=True),
        Field("campaign_id"),
        Field("message_id", description="The gateway's id of the message."),
        Field("reply_text", description="The text the person replied, for replies."),
        Field("url", description="The short link, for clicks."),
        Field("error_code", description="The carrier's code, for failures."),
    ),
    identifier_fields=(IdentifierField("phone", "phone"),),
    allowed_values={"event": SMS_EVENTS},
)

ENTITIES = (EVENTS,)
