"""Web forms and landing pages: one JSON object per submission, with the ad click's utm parameters."""

from connectors.sources.contract import Entity, Field, IdentifierField

SUBMISSIONS = Entity(
    channel="web_forms",
    entity="submissions",
    file_glob="*.jsonl",
    description="A form submitted on the website, a landing page or an ad's lead form.",
    fields=(
        Field("submission_id", required=True, description="The form tool's id of the submission."),
        Field("form_id", required=True, description="Which form: contact_us, demo_request, whitepaper_..."),
        Field("submitted_at", "timestamp", required=True, description="ISO 8601 with offset."),
        Field("name"),
        Field("phone"),
        Field("email"),
        Field("company"),
        Field("title"),
        Field("industry"),
        Field("company_size"),
        Field("city"),
        Field("page_url"),
        Field("utm_source"),
        Field("utm_medium"),
        Field("utm_campaign"),
        Field("utm_term", description="The search keyword of a keyword ad."),
    ),
    identifier_fields=(IdentifierField("phone", "phone"), IdentifierField("email", "email")),
)

ENTITIES = (SUBMISSIONS,)
