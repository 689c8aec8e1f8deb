"""Live streams and webinars: registrations and attendance exported from the webinar platform as CSV."""

from connectors.sources.contract import Entity, Field, IdentifierField

REGISTRATIONS = Entity(
    channel="webinars",
    entity="registrations",
    file_glob="registrations*.csv",
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
    ),
    identifier_fields=(IdentifierField("email", "email"), IdentifierField("phone", "phone")),
)

ATTENDANCE = Entity(
    channel="webinars",
    entity="attendance",
    file_glob="attendance*.csv",
    description="A registrant watched a webinar: when they joined, left and how many minutes they watched.",
    fields=(
        Field("webinar_id", required=True),
        Field("email"),
        Field("joined_at", "timestamp", required=True),
        Field("left_at", "timestamp"),
        Field("minutes_watched", "number", required=True),
    ),
    identifier_fields=(IdentifierField("email", "email"),),
)

ENTITIES = (REGISTRATIONS, ATTENDANCE)
