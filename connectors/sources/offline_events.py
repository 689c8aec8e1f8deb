"""Conferences and offline events: registrations, badge-scan check-ins at the door, and session attendance
scanned at each room, exported from the event platform and the badge scanners as CSV."""

from connectors.sources.contract import Entity, Field, FilePattern, IdentifierField

IDENTIFIERS = (IdentifierField("phone", "phone"), IdentifierField("email", "email"))

REGISTRATIONS = Entity(
    channel="offline_events",
    entity="registrations",
    files=(FilePattern("registrations*.csv", "csv", example="registrations-2026W44.csv"),),
    description="A person registered for a conference or offline event.",
    fields=(
        Field("registration_id", required=True),
        Field("event_id", required=True),
        Field("event_name"),
        Field("registered_at", "timestamp", required=True),
        Field("name"),
        Field("phone"),
        Field("email"),
        Field("company"),
        Field("title"),
        Field("city"),
        Field("ticket_type", description="visitor, vip, speaker, exhibitor, ..."),
        Field("utm_source"),
        Field("utm_campaign"),
    ),
    identifier_fields=IDENTIFIERS,
)

CHECKINS = Entity(
    channel="offline_events",
    entity="checkins",
    files=(FilePattern("checkins*.csv", "csv", example="checkins-2026W44.csv"),),
    description="A badge scanned at an event's entrance or at a booth (the badge carries the registrant).",
    fields=(
        Field("scan_id", required=True),
        Field("event_id", required=True),
        Field("registration_id"),
        Field("scanned_at", "timestamp", required=True),
        Field("scan_point", description="entrance, booth_A3, ..."),
        Field("name"),
        Field("phone"),
        Field("email"),
        Field("company"),
        Field("title"),
    ),
    identifier_fields=IDENTIFIERS,
)

SESSION_ATTENDANCE = Entity(
    channel="offline_events",
    entity="session_attendance",
    files=(FilePattern("sessions*.csv", "csv", example="sessions-2026W44.csv"),),
    description="A badge scanned into a session of an event, with the minutes spent when the exit was scanned.",
    fields=(
        Field("scan_id", required=True),
        Field("event_id", required=True),
        Field("session_id", required=True),
        Field("session_title"),
        Field("entered_at", "timestamp", required=True),
        Field("left_at", "timestamp"),
        Field("minutes", "number"),
        Field("phone"),
        Field("email"),
    ),
    identifier_fields=IDENTIFIERS,
)

ENTITIES = (REGISTRATIONS, CHECKINS, SESSION_ATTENDANCE)
