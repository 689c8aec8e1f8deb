"""The asset groups of the flow."""

FLOW_GROUPS = ("ingest", "identity", "profiles", "scoring", "ml", "activation", "journeys")
"""The asset groups, in the order data flows through them (DESIGN.md); every asset belongs to one."""
