"""Live streams and webinars: registrations, attendance (join and leave, minutes watched) and questions asked,
exported from the webinar or live-stream platform as CSV."""

from connectors.sources.contract import Entity, Field, FilePattern, IdentifierField

REGISTRATIONS = Entity(
    channel="webinars",
    entity="registrations",
    files=(FilePattern("registrations*.csv", "csv", example="registrations-2026W44.csv"),),
    description="A person registered for a webinar.",
    fields=(
        Field("registration_id", required=True),
        Field("webinar_id", required=True),
        Field("webinar_title"),
        Field("registered_at", "timestamp", required=True),
        Field("name"),
        Field("email"),
        Field("phone"),
        Field("company"),
        Field("title"),
        Field("utm_source"),
        Field("utm_campaign"),
    ),
    identifier_fields=(IdentifierField("email", "email"), IdentifierField("phone", "phone")),
)

ATTENDANCE = Entity(
    channel="webinars",
    entity="attendance",
    files=(FilePattern("attendance*.csv", "csv", example="attendance-2026W44.csv"),),
    description="An attendee watched a webinar: when they joined, left and how many minutes they watched.",
    fields=(
        Field("webinar_id", required=True),
        Field("email"),
        Field("phone"),
        Field("name"),
        Field("joined_at", "timestamp", required=True),
        Field("left_at", "timestamp"),
        Field("minutes_watched", "number", required=True),
    ),
    identifier_fields=(IdentifierField("email", "email"), IdentifierField("phone", "phone")),
)

QUESTIONS = Entity(
    channel="webinars",
    entity="questions",
    files=(FilePattern("questions*.csv", "csv", example="questions-2026W44.csv"),),
    description="A question an attendee asked during a webinar or live stream.",
    fields=(
        Field("question_id", required=True),
        Field("webinar_id", required=True),
        Field("asked_at", "timestamp", required=True),
        Field("question", required=True),
        Field("email"),
        Field("phone"),
        Field("name"),
        Field("answered_at", "timestamp"),
    ),
    identifier_fields=(IdentifierField("email", "email"), IdentifierField("phone", "phone")),
)

ENTITIES = (REGISTRATIONS, ATTENDANCE, QUESTIONS)
