"""Website tracking: Segment tracking-spec events (track, page, identify, screen, group, alias), so analytics.js
and other Segment-compatible senders work unchanged.

One event per line as the sender built it (the collector writes collector-<stamp>.jsonl, splitting batch bodies
{"batch": [...]} into their events and adding _received_at). The cookie's anonymousId and the signed-in userId
link a visitor's events; identify traits (email, phone) tie the cookie to a known person. Staging keeps one row
per messageId.
"""

from connectors.sources.contract import Entity, Field, FilePattern, IdentifierField

EVENTS = Entity(
    channel="web_tracking",
    entity="events",
    files=(FilePattern("*.jsonl", "jsonl", example="collector-20261101T080000000000.jsonl"),),
    description="A website event in the Segment tracking spec: a page view, a tracked action or an identify call.",
    fields=(
        Field(
            "message_id", required=True, sources=("messageId",), description="Unique per event; dedup key."
        ),
        Field("type", required=True),
        Field("event", description="The action's name, for track calls (Whitepaper Downloaded)."),
        Field("name", description="The page or screen name, for page and screen calls."),
        Field("anonymous_id", sources=("anonymousId",), description="The visitor's cookie id."),
        Field("user_id", sources=("userId",), description="The site's id of a signed-in user."),
        Field("previous_id", sources=("previousId",), description="The earlier id, for alias calls."),
        Field("group_id", sources=("groupId",), description="The account, for group calls."),
        Field(
            "timestamp",
            "timestamp",
            required=True,
            sources=("timestamp", "originalTimestamp"),
            description="When it happened (the sender's clock, corrected for skew by Segment-style senders).",
        ),
        Field("sent_at", "timestamp", sources=("sentAt",)),
        Field("received_at", "timestamp", sources=("receivedAt", "_received_at")),
        Field("page_url", sources=("properties.url", "context.page.url")),
        Field("page_path", sources=("properties.path", "context.page.path")),
        Field("page_title", sources=("properties.title", "context.page.title")),
        Field("page_referrer", sources=("properties.referrer", "context.page.referrer")),
        Field("utm_source", sources=("context.campaign.source",)),
        Field("utm_medium", sources=("context.campaign.medium",)),
        Field("utm_campaign", sources=("context.campaign.name",)),
        Field("utm_term", sources=("context.campaign.term",)),
        Field("utm_content", sources=("context.campaign.content",)),
        Field("email", sources=("traits.email", "context.traits.email")),
        Field("phone", sources=("traits.phone", "context.traits.phone")),
        Field("full_name", sources=("traits.name", "context.traits.name")),
        Field("title", sources=("traits.title", "context.traits.title")),
        Field("company", sources=("traits.company.name", "context.traits.company.name")),
        Field("user_agent", sources=("context.userAgent",)),
        Field("ip", sources=("context.ip",)),
        Field("properties", "json"),
        Field("traits", "json"),
        Field("context", "json"),
        Field("integrations", "json"),
        Field("write_key", sources=("writeKey",)),
        Field("channel", description="server, browser or mobile."),
        Field("version"),
    ),
    identifier_fields=(
        IdentifierField("anonymous_id", "anonymous_id"),
        IdentifierField("user_id", "external_id", scope="site"),
        IdentifierField("email", "email"),
        IdentifierField("phone", "phone"),
    ),
    allowed_values={"type": ("track", "page", "identify", "screen", "group", "alias")},
)

ENTITIES = (EVENTS,)
