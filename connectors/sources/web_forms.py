"""Web forms and landing pages: one JSON object per submission, with the ad click's utm parameters.

Exports of the form tool, or the collector's webhook files (webhook-<stamp>.jsonl: the webhook body as received,
plus _webhook_id, _webhook_source and _received_at).
"""

from connectors.sources.contract import Entity, Field, FilePattern, IdentifierField

SUBMISSIONS = Entity(
    channel="web_forms",
    entity="submissions",
    files=(FilePattern("*.jsonl", "jsonl", example="webhook-20261101T080000000000.jsonl"),),
    description="A form submitted on the website, a landing page or an ad's lead form.",
    fields=(
        Field("submission_id", required=True, description="The form tool's id of the submission."),
        Field("form_id", required=True, description="Which form: contact_us, demo_request, whitepaper_..."),
        Field("submitted_at", "timestamp", required=True),
        Field("name"),
        Field("phone"),
        Field("email"),
        Field("company"),
        Field("title"),
        Field("industry"),
        Field("company_size"),
        Field("city"),
        Field("page_url", description="The page the form was on."),
        Field("utm_source"),
        Field("utm_medium"),
        Field("utm_campaign"),
        Field("utm_term", description="The search keyword of a keyword ad."),
        Field("utm_content"),
        Field("keyword", description="The search keyword as the ad platform passes it (Baidu: keyword)."),
        Field("webhook_id", sources=("_webhook_id",), description="The collector's webhook-id header."),
        Field("webhook_source", sources=("_webhook_source",), description="The collector's form source."),
        Field(
            "received_at", "timestamp", sources=("_received_at",), description="When the collector got it."
        ),
    ),
    identifier_fields=(IdentifierField("phone", "phone"), IdentifierField("email", "email")),
)

ENTITIES = (SUBMISSIONS,)
