"""CRM outcomes: lead status, opportunities, won and lost deals, exported from the CRM (the closed loop)."""

from connectors.sources.contract import Entity, Field, FilePattern, IdentifierField

OUTCOME_STATUSES = ("open", "disqualified", "opportunity", "won", "lost")

OUTCOMES = Entity(
    channel="crm",
    entity="outcomes",
    files=(FilePattern("outcomes*.csv", "csv", example="outcomes-2026-11-01.csv"),),
    description="A CRM lead and what became of it.",
    fields=(
        Field("crm_id", required=True),
        Field("email"),
        Field("phone"),
        Field("lead_created_at", "timestamp", required=True),
        Field("status", required=True),
        Field("opportunity_created_at", "timestamp"),
        Field("closed_at", "timestamp"),
        Field("amount", "number"),
    ),
    identifier_fields=(
        IdentifierField("crm_id", "crm_id"),
        IdentifierField("email", "email"),
        IdentifierField("phone", "phone"),
    ),
    allowed_values={"status": OUTCOME_STATUSES},
)

ENTITIES = (OUTCOMES,)
