"""HubSpot: contacts upserted through the CRM v3 batch API, static list membership for mirror mode, GDPR delete.

Endpoints (developers.hubspot.com, CRM v3): POST /crm/v3/objects/contacts/batch/{upsert,update,create,read,
archive} with at most 100 inputs, PUT /crm/v3/lists/{listId}/memberships/{add,remove} (MANUAL or SNAPSHOT
lists), POST /crm/v3/objects/contacts/gdpr-delete. Private apps on Professional/Enterprise may make 190
requests per 10 s; a 429 with policyName DAILY means the day's quota is gone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.destinations.http import HttpClient
from connectors.destinations.profile import extra_fields, split_name
from connectors.destinations.sync.destination import Destination, ErasureSubject, RateLimit
from connectors.destinations.sync.model import (
    Action,
    BatchRejected,
    Change,
    InvalidRecord,
    Mode,
    Outcome,
    QuotaExhausted,
    Status,
)

CONTACTS = "/crm/v3/objects/contacts"
MAX_INPUTS = 100


@dataclass(frozen=True)
class HubSpotConfig:
    """How to reach one HubSpot portal. The token comes from the environment (never logged)."""

    access_token: str
    base_url: str = "https://api.hubapi.com"
    id_property: str = "email"  # or a unique custom property such as yuchi_contact_id
    requests_per_10s: int = 190
    max_in_flight: int = 10  # Little's law: 19 requests/s x ~0.5 s per answer
    timeout: float = 30.0


class HubSpotContacts(Destination):
    """Contacts in one HubSpot portal, optionally mirrored into one static list."""

    kind = "hubspot"
    modes = frozenset({Mode.UPSERT, Mode.UPDATE_ONLY, Mode.INSERT_ONLY, Mode.MIRROR, Mode.DELETE})
    resend_is_safe = True
    reads_back = True
    guarantee = (
        "exactly once: contacts are upserted by a unique property, so a resend updates rather than duplicates; "
        "pending intents are read back through batch/read after a crash"
    )

    def __init__(
        self,
        config: HubSpotConfig,
        name: str = "hubspot",
        list_id: str | None = None,
        mode: Mode | None = None,
    ):
        self.config = config
        self.name = name
        self.list_id = list_id
        self.mode = mode
        if mode == Mode.MIRROR and not list_id:
            raise ValueError(f"{name}: mirror mode needs the HubSpot list_id of a MANUAL or SNAPSHOT list")
        self.batch_size = MAX_INPUTS
        self.rate_limit = RateLimit(config.requests_per_10s, 10.0)
        self.max_in_flight = config.max_in_flight
        self.client = HttpClient(
            config.base_url,
            "HubSpot",
            headers={"Authorization": f"Bearer {config.access_token}", "Content-Type": "application/json"},
            secrets=[config.access_token],
            timeout=config.timeout,
        )

    # -- mapping --------------------------------------------------------------------------------------------

    def payload(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        given, family = split_name(profile.get("full_name"))
        properties = {
            "email": profile.get("email"),
            "firstname": given,
            "lastname": family,
            "phone": profile.get("phone"),
            "company": profile.get("company"),
            "jobtitle": profile.get("title"),
            "city": profile.get("city"),
            "industry": profile.get("industry"),
            "yuchi_contact_id": profile.get("contact_id"),
            "yuchi_lifecycle_stage": profile.get("lifecycle_stage"),
            "yuchi_score": profile.get("total_score"),
            "yuchi_predicted_probability": profile.get("predicted_probability"),
            "yuchi_score_explanation": profile.get("score_explanation"),
            **extra_fields(profile),
        }
        properties = {k: _text(v) for k, v in properties.items() if v is not None}
        if not properties.get(self.config.id_property):
            raise InvalidRecord(
                f"no {self.config.id_property}: HubSpot matches contacts on {self.config.id_property}"
            )
        return properties

    # -- sending --------------------------------------------------------------------------------------------

    def send(self, action: Action, changes: Sequence[Change]) -> list[Outcome]:
        if action == Action.REMOVE:
            return self._list_membership("remove", changes)
        if action == Action.DELETE:
            return self._archive(changes)
        if self.mode == Mode.INSERT_ONLY:
            return self._create_missing(changes)
        if self.mode == Mode.UPDATE_ONLY:
            return self._update(changes)
        outcomes = self._upsert(changes)
        if self.mode == Mode.MIRROR:
            delivered = [o for o in outcomes if o.status == Status.DELIVERED]
            added = self._add_to_list(delivered)
            outcomes = [added.get(o.record_key, o) for o in outcomes]
        return outcomes

    def _upsert(self, changes: Sequence[Change]) -> list[Outcome]:
        inputs = self._keyed_inputs(changes)
        body = self._post(f"{CONTACTS}/batch/upsert", {"inputs": inputs})
        return self._outcomes(changes, body)

    def _update(self, changes: Sequence[Change]) -> list[Outcome]:
        inputs = self._keyed_inputs(changes)
        body = self._post(f"{CONTACTS}/batch/update", {"inputs": inputs}, multi_status=True)
        return self._outcomes(changes, body, missing=Status.SKIPPED)

    def _keyed_inputs(self, changes: Sequence[Change]) -> list[dict[str, Any]]:
        """Gives batch inputs that name each contact by the id property, traced by the idempotency key."""
        return [
            {
                "id": c.payload[self.config.id_property],
                "idProperty": self.config.id_property,
                "properties": dict(c.payload),
                "objectWriteTraceId": c.idempotency_key,
            }
            for c in changes
        ]

    def _create_missing(self, changes: Sequence[Change]) -> list[Outcome]:
        existing = self._read({c.payload[self.config.id_property]: c for c in changes})
        outcomes = [
            Outcome(c.record_key, Status.SKIPPED, existing[c.record_key], "already in HubSpot (insert-only)")
            for c in changes
            if c.record_key in existing
        ]
        new = [c for c in changes if c.record_key not in existing]
        if new:
            inputs = [{"properties": dict(c.payload), "objectWriteTraceId": c.idempotency_key} for c in new]
            body = self._post(f"{CONTACTS}/batch/create", {"inputs": inputs})
            outcomes += self._outcomes(new, body)
        return outcomes

    def _archive(self, changes: Sequence[Change]) -> list[Outcome]:
        ids = {c.record_key: c.external_id for c in changes if c.external_id}
        unknown = {c.payload.get(self.config.id_property): c for c in changes if not c.external_id}
        ids |= self._read({k: c for k, c in unknown.items() if k})
        present = [c for c in changes if ids.get(c.record_key)]
        if present:
            inputs = [{"id": ids[c.record_key]} for c in present]
            self._post(f"{CONTACTS}/batch/archive", {"inputs": inputs}, expect_body=False)
        return [
            Outcome(c.record_key, Status.DELIVERED, ids[c.record_key])
            if ids.get(c.record_key)
            else Outcome(c.record_key, Status.SKIPPED, reason="not in HubSpot: nothing to delete")
            for c in changes
        ]

    def _add_to_list(self, delivered: Sequence[Outcome]) -> dict[str, Outcome]:
        ids = [o.external_id for o in delivered if o.external_id]
        if not ids:
            return {}
        response = self.client.request("PUT", f"/crm/v3/lists/{self.list_id}/memberships/add", json=ids)
        self._raise(response)
        missing = set(response.json().get("recordIdsMissing") or [])
        return {
            o.record_key: Outcome(
                o.record_key, Status.FAILED, o.external_id, f"HubSpot list {self.list_id}: record missing"
            )
            for o in delivered
            if o.external_id in missing
        }

    def _list_membership(self, verb: str, changes: Sequence[Change]) -> list[Outcome]:
        ids = [c.external_id for c in changes if c.external_id]
        if ids:
            response = self.client.request(
                "PUT", f"/crm/v3/lists/{self.list_id}/memberships/{verb}", json=ids
            )
            self._raise(response)
        return [
            Outcome(c.record_key, Status.DELIVERED if c.external_id else Status.SKIPPED, c.external_id,
                    None if c.external_id else "no HubSpot id known: never added to the list")
            for c in changes
        ]  # fmt: skip

    # -- reading back ---------------------------------------------------------------------------------------

    def read_back(self, changes: Sequence[Change]) -> dict[str, str | None] | None:
        """Gives the changes HubSpot already holds with exactly the sent properties (None in mirror mode:
        list membership is not read back; resending there is harmless)."""
        if self.mode == Mode.MIRROR:
            return None
        wanted = {c.payload.get(self.config.id_property): c for c in changes if c.payload}
        if not wanted:
            return {}
        properties = sorted({p for c in changes for p in c.payload})
        found: dict[str, str | None] = {}
        for result in self._read_results(list(wanted), properties):
            held = result.get("properties") or {}
            change = wanted.get(held.get(self.config.id_property))
            if change and all(str(held.get(k)) == str(v) for k, v in change.payload.items()):
                found[change.record_key] = str(result.get("id"))
        return found

    def _read(self, by_id_value: Mapping[str, Change]) -> dict[str, str]:
        found = {}
        for result in self._read_results(list(by_id_value), [self.config.id_property]):
            value = (result.get("properties") or {}).get(self.config.id_property)
            if value in by_id_value:
                found[by_id_value[value].record_key] = str(result["id"])
        return found

    def _read_results(self, id_values: list[str], properties: list[str]) -> list[dict]:
        if not id_values:
            return []
        body = self._post(
            f"{CONTACTS}/batch/read",
            {
                "idProperty": self.config.id_property,
                "inputs": [{"id": v} for v in id_values],
                "properties": properties,
            },
            multi_status=True,
        )
        return body.get("results") or []

    # -- HubSpot's answers ----------------------------------------------------------------------------------

    def _post(self, path: str, body: dict, multi_status: bool = False, expect_body: bool = True) -> dict:
        response = self.client.request("POST", path, json=body)
        if response.status_code == 207 and multi_status:
            return response.json()
        self._raise(response)
        return response.json() if expect_body and response.content else {}

    def _raise(self, response) -> None:
        if response.status_code == 429:
            body = _json(response)
            if str(body.get("policyName", "")).upper() == "DAILY":
                raise QuotaExhausted(self.client.error_text(response))
        if response.status_code == 409:
            raise BatchRejected(self.client.error_text(response), http_status=409)
        self.client.raise_for_status(response)

    def _outcomes(
        self, changes: Sequence[Change], body: Mapping, missing: Status = Status.FAILED
    ) -> list[Outcome]:
        by_trace = {c.idempotency_key: c for c in changes}
        by_id = {str(c.payload.get(self.config.id_property)).lower(): c for c in changes}
        outcomes: dict[str, Outcome] = {}
        for result in body.get("results") or []:
            change = by_trace.get(result.get("objectWriteTraceId")) or by_id.get(
                str((result.get("properties") or {}).get(self.config.id_property)).lower()
            )
            if change:
                outcomes[change.record_key] = Outcome(
                    change.record_key, Status.DELIVERED, str(result.get("id"))
                )
        for error in body.get("errors") or []:
            context = error.get("context") or {}
            keys = [*(context.get("objectWriteTraceId") or []), *(context.get("ids") or [])]
            reason = f"HubSpot {error.get('category', 'error')}: {error.get('message', '')}"[:500]
            for key in keys:
                change = by_trace.get(key) or by_id.get(str(key).lower())
                if change and change.record_key not in outcomes:
                    status = missing if error.get("category") == "OBJECT_NOT_FOUND" else Status.FAILED
                    outcomes[change.record_key] = Outcome(change.record_key, status, reason=reason)
        return list(outcomes.values())

    # -- erasure --------------------------------------------------------------------------------------------

    def erase(self, subject: ErasureSubject) -> str:
        """GDPR-deletes the person by every email (HubSpot blocklists an unknown one) and known id."""
        requests_made = []
        for email in subject.emails:
            requests_made.append({"objectId": email, "idProperty": "email"})
        for external_id in subject.external_ids:
            requests_made.append({"objectId": external_id})
        if not requests_made:
            return "HubSpot: nothing to delete (no email and no HubSpot id)"
        for body in requests_made:
            response = self.client.request("POST", f"{CONTACTS}/gdpr-delete", json=body)
            if response.status_code == 404:
                continue
            self._raise(response)
        return f"HubSpot gdpr-delete acknowledged for {len(requests_made)} identifier(s)"

    def close(self) -> None:
        self.client.close()


def _text(value: Any) -> str:
    """HubSpot property values travel as strings; numbers keep their plain form (60.0 -> '60')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return str(value)


def _json(response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
