"""Salesforce: Leads upserted by an external id field through sObject Collections (at most 200 per call).

Endpoints (REST API v46+): PATCH /services/data/vXX.X/composite/sobjects/Lead/<ExternalIdField> (upsert),
POST and PATCH /composite/sobjects (create, update by Id), DELETE /composite/sobjects?ids=..., and SOQL through
/query for reading back. With allOrNone=false each record gets its own success flag and errors in the 200
answer, in request order. 403 REQUEST_LIMIT_EXCEEDED means the org's API quota is used up.
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
    Change,
    DestinationMisconfigured,
    InvalidRecord,
    Mode,
    Outcome,
    QuotaExhausted,
    Status,
)

MAX_RECORDS = 200
NOT_PROVIDED = "[not provided]"  # Salesforce's own placeholder for required Lead fields (Web-to-Lead)


@dataclass(frozen=True)
class SalesforceConfig:
    """How to reach one Salesforce org. The access token comes from the environment (never logged)."""

    instance_url: str
    access_token: str
    api_version: str = "v62.0"
    sobject: str = "Lead"
    external_id_field: str = "Yuchi_Contact_Id__c"
    requests_per_second: float | None = None  # orgs have daily quotas, not a per-second limit
    max_in_flight: int = 4
    timeout: float = 60.0


class SalesforceLeads(Destination):
    """Leads in one Salesforce org, keyed by Yuchi's contact id in an external id field."""

    kind = "salesforce"
    modes = frozenset({Mode.UPSERT, Mode.UPDATE_ONLY, Mode.INSERT_ONLY, Mode.DELETE})
    resend_is_safe = True
    reads_back = True
    guarantee = (
        "exactly once: Leads are upserted by the external id field, so a resend updates the same Lead; "
        "pending intents are read back with SOQL after a crash"
    )

    def __init__(self, config: SalesforceConfig, name: str = "salesforce", mode: Mode | None = None):
        self.config = config
        self.name = name
        self.mode = mode
        self.batch_size = MAX_RECORDS
        self.max_in_flight = config.max_in_flight
        if config.requests_per_second:
            self.rate_limit = RateLimit.every_second(config.requests_per_second)
        self.client = HttpClient(
            config.instance_url,
            "Salesforce",
            headers={"Authorization": f"Bearer {config.access_token}", "Content-Type": "application/json"},
            secrets=[config.access_token],
            timeout=config.timeout,
        )
        self.api = f"/services/data/{config.api_version}"

    def payload(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        given, family = split_name(profile.get("full_name"))
        fields = {
            self.config.external_id_field: profile.get("contact_id"),
            "FirstName": given,
            "LastName": family or NOT_PROVIDED,
            "Company": profile.get("company") or NOT_PROVIDED,
            "Email": profile.get("email"),
            "Phone": profile.get("phone"),
            "Title": profile.get("title"),
            "City": profile.get("city"),
            "Industry": profile.get("industry"),
            "LeadSource": "Yuchi",
            "Description": profile.get("score_explanation"),
            "Yuchi_Score__c": profile.get("total_score"),
            "Yuchi_Lifecycle_Stage__c": profile.get("lifecycle_stage"),
            "Yuchi_Predicted_Probability__c": profile.get("predicted_probability"),
            **extra_fields(profile),
        }
        if not fields[self.config.external_id_field]:
            raise InvalidRecord(f"no {self.config.external_id_field}: the Lead cannot be matched")
        if not (fields["Email"] or fields["Phone"]):
            raise InvalidRecord("neither email nor phone: sales could not reach this lead")
        return {k: v for k, v in fields.items() if v is not None}

    # -- sending --------------------------------------------------------------------------------------------

    def send(self, action: Action, changes: Sequence[Change]) -> list[Outcome]:
        if action == Action.DELETE:
            return self._delete(changes)
        if self.mode == Mode.INSERT_ONLY:
            return self._write_by_id(changes, create=True)
        if self.mode == Mode.UPDATE_ONLY:
            return self._write_by_id(changes, create=False)
        records = [self._record(c.payload) for c in changes]
        path = f"{self.api}/composite/sobjects/{self.config.sobject}/{self.config.external_id_field}"
        results = self._call("PATCH", path, json={"allOrNone": False, "records": records})
        return self._outcomes(changes, results)

    def _write_by_id(self, changes: Sequence[Change], create: bool) -> list[Outcome]:
        ids = self._ids([c.record_key for c in changes])
        outcomes = []
        chosen = []
        for change in changes:
            exists = change.record_key in ids
            if exists == create:
                why = "already in Salesforce (insert-only)" if create else "not in Salesforce (update-only)"
                outcomes.append(Outcome(change.record_key, Status.SKIPPED, ids.get(change.record_key), why))
            else:
                chosen.append(change)
        if chosen:
            records = [
                self._record(c.payload) | ({} if create else {"id": ids[c.record_key]}) for c in chosen
            ]
            results = self._call(
                "POST" if create else "PATCH",
                f"{self.api}/composite/sobjects",
                json={"allOrNone": False, "records": records},
            )
            outcomes += self._outcomes(chosen, results, ids)
        return outcomes

    def _delete(self, changes: Sequence[Change]) -> list[Outcome]:
        ids = {c.record_key: c.external_id for c in changes if c.external_id}
        ids |= self._ids([c.record_key for c in changes if not c.external_id])
        present = [c for c in changes if ids.get(c.record_key)]
        outcomes = [
            Outcome(c.record_key, Status.SKIPPED, reason="not in Salesforce: nothing to delete")
            for c in changes
            if not ids.get(c.record_key)
        ]
        if present:
            query = ",".join(ids[c.record_key] for c in present)
            results = self._call("DELETE", f"{self.api}/composite/sobjects?ids={query}&allOrNone=false")
            outcomes += self._outcomes(present, results, ids, missing_is_skip=True)
        return outcomes

    def _record(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {"attributes": {"type": self.config.sobject}, **payload}

    def _outcomes(
        self,
        changes: Sequence[Change],
        results: list[dict],
        ids: Mapping[str, str] | None = None,
        missing_is_skip: bool = False,
    ) -> list[Outcome]:
        if len(results) != len(changes):
            raise DestinationMisconfigured(
                f"Salesforce answered {len(results)} results for {len(changes)} records; expected one each, in order"
            )
        outcomes = []
        for change, result in zip(changes, results, strict=True):
            external_id = result.get("id") or (ids or {}).get(change.record_key)
            if result.get("success"):
                outcomes.append(Outcome(change.record_key, Status.DELIVERED, external_id))
                continue
            errors = result.get("errors") or []
            codes = {e.get("statusCode") for e in errors}
            reason = "; ".join(f"{e.get('statusCode')}: {e.get('message')}" for e in errors)[:500]
            if missing_is_skip and codes & {"ENTITY_IS_DELETED", "INVALID_CROSS_REFERENCE_KEY"}:
                outcomes.append(
                    Outcome(change.record_key, Status.SKIPPED, external_id, f"Salesforce {reason}")
                )
            else:
                outcomes.append(
                    Outcome(change.record_key, Status.FAILED, reason=f"Salesforce {reason}", http_status=200)
                )
        return outcomes

    # -- reading back ---------------------------------------------------------------------------------------

    def read_back(self, changes: Sequence[Change]) -> dict[str, str | None] | None:
        """Gives the changes already in Salesforce with exactly the sent field values."""
        wanted = {c.record_key: c for c in changes if c.payload}
        if not wanted:
            return {}
        fields = sorted(
            {f for c in wanted.values() for f in c.payload} | {"Id", self.config.external_id_field}
        )
        found: dict[str, str | None] = {}
        for record in self._query(fields, list(wanted)):
            change = wanted.get(record.get(self.config.external_id_field))
            if change and all(_same(record.get(k), v) for k, v in change.payload.items()):
                found[change.record_key] = record["Id"]
        return found

    def _ids(self, keys: Sequence[str]) -> dict[str, str]:
        return {
            r[self.config.external_id_field]: r["Id"]
            for r in self._query(["Id", self.config.external_id_field], keys)
        }

    def _query(self, fields: Sequence[str], keys: Sequence[str]) -> list[dict]:
        if not keys:
            return []
        values = ",".join(_soql_literal(k) for k in keys)
        soql = (
            f"SELECT {', '.join(fields)} FROM {self.config.sobject} "
            f"WHERE {self.config.external_id_field} IN ({values})"
        )
        records: list[dict] = []
        body = self._call("GET", f"{self.api}/query", params={"q": soql})
        records += body.get("records") or []
        while not body.get("done", True) and body.get("nextRecordsUrl"):
            body = self._call("GET", body["nextRecordsUrl"])
            records += body.get("records") or []
        return records

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, path, **kwargs)
        if response.status_code == 403 and "REQUEST_LIMIT_EXCEEDED" in response.text:
            raise QuotaExhausted(self.client.error_text(response))
        self.client.raise_for_status(response)
        return response.json() if response.content else {}

    # -- erasure --------------------------------------------------------------------------------------------

    def erase(self, subject: ErasureSubject) -> str:
        """Deletes every Lead of the person (by Yuchi contact id, known Salesforce ids and email)."""
        ids = set(subject.external_ids)
        if subject.contact_id:
            ids |= set(self._ids([subject.contact_id]).values())
        for email in subject.emails:
            soql = f"SELECT Id FROM {self.config.sobject} WHERE Email = {_soql_literal(email)}"
            body = self._call("GET", f"{self.api}/query", params={"q": soql})
            ids |= {r["Id"] for r in body.get("records") or []}
        if not ids:
            return "Salesforce: no Lead of this person"
        ordered = sorted(ids)
        for start in range(0, len(ordered), MAX_RECORDS):
            chunk = ",".join(ordered[start : start + MAX_RECORDS])
            self._call("DELETE", f"{self.api}/composite/sobjects?ids={chunk}&allOrNone=false")
        return f"Salesforce deleted {len(ids)} Lead(s) (Recycle Bin empties after 15 days)"

    def close(self) -> None:
        self.client.close()


def _soql_literal(value: str) -> str:
    escaped = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def _same(held: Any, sent: Any) -> bool:
    if isinstance(sent, (int, float)) and held is not None:
        try:
            return float(held) == float(sent)
        except (TypeError, ValueError):
            return False
    return str(held) == str(sent)
