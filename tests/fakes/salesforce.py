"""A fake Salesforce org: Lead sObject Collections (upsert by external id, create, update, delete) and SOQL.

Per the REST API guide: at most 200 records per collection call; with allOrNone=false a 200 answer holds one
result per record, in order, with success and errors (REQUIRED_FIELD_MISSING, INVALID_EMAIL_ADDRESS);
401 [{"errorCode": "INVALID_SESSION_ID"}]; 403 [{"errorCode": "REQUEST_LIMIT_EXCEEDED"}] when the org's
API quota is used; 503 SERVER_UNAVAILABLE and 500 UNKNOWN_EXCEPTION for transient trouble.
"""

from __future__ import annotations

import itertools
import re

from tests.fakes.server import FakeVendor, Faults, Request, Response

API = r"/services/data/v(?P<version>[0-9.]+)"
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SOQL = re.compile(
    r"SELECT (?P<fields>.+?) FROM (?P<sobject>\w+) WHERE (?P<field>\w+) (?:IN \((?P<values>.*)\)|= (?P<value>'.*'))$"
)


class FakeSalesforce(FakeVendor):
    name = "salesforce"

    def __init__(self, token: str = "00Dtest!session", faults: Faults | None = None, api_quota: int | None = None,
                 external_id_field: str = "Yuchi_Contact_Id__c"):  # fmt: skip
        super().__init__(faults)
        self.token = token
        self.api_quota = api_quota
        self.external_id_field = external_id_field
        self.leads: dict[str, dict] = {}
        self.creations: list[str] = []
        self.deleted: list[str] = []
        self._ids = itertools.count(1)
        self.route("PATCH", API + r"/composite/sobjects/Lead/(?P<field>\w+)", self.upsert)
        self.route("POST", API + r"/composite/sobjects", self.create)
        self.route("PATCH", API + r"/composite/sobjects", self.update)
        self.route("DELETE", API + r"/composite/sobjects", self.delete)
        self.route("GET", API + r"/query", self.query)

    def authenticate(self, request: Request, number: int) -> Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return Response(
                401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
            )
        if self.api_quota is not None and number > self.api_quota:
            return Response(
                403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
            )
        return None

    def rate_limited(self, retry_after: float) -> Response:
        return Response(503, [{"message": "Server Unavailable", "errorCode": "SERVER_UNAVAILABLE"}])

    def server_error(self) -> Response:
        return Response(500, [{"message": "An unexpected error occurred. Please include this ErrorId if you "
                                          "contact support: 1234567890-12345 (-123456789)",
                               "errorCode": "UNKNOWN_EXCEPTION"}])  # fmt: skip

    def _too_many(self, records: list) -> Response | None:
        if len(records) > 200:
            return Response(400, [{"message": "The number of records in the request exceeds the limit of 200",
                                   "errorCode": "EXCEEDED_ID_LIMIT"}])  # fmt: skip
        return None

    def _invalid(self, record: dict, creating: bool) -> list[dict]:
        errors = []
        if creating:
            missing = [f for f in ("LastName", "Company") if not record.get(f)]
            if missing:
                errors.append({"statusCode": "REQUIRED_FIELD_MISSING",
                               "message": f"Required fields are missing: [{', '.join(missing)}]", "fields": missing})  # fmt: skip
        email = record.get("Email")
        if email is not None and not EMAIL.match(str(email)):
            errors.append({"statusCode": "INVALID_EMAIL_ADDRESS", "message": f"Email: invalid email address: {email}",
                           "fields": ["Email"]})  # fmt: skip
        return errors

    def _new_id(self) -> str:
        return f"00Q{next(self._ids):012d}AAA"

    def _fields(self, record: dict) -> dict:
        return {k: v for k, v in record.items() if k not in ("attributes", "id", "Id")}

    def upsert(self, request: Request, version: str, field: str) -> Response:
        records = request.json()["records"]
        too_many = self._too_many(records)
        if too_many:
            return too_many
        results = []
        for record in records:
            key = record.get(field)
            existing = next((i for i, lead in self.leads.items() if lead.get(field) == key), None)
            errors = self._invalid(record, creating=existing is None)
            if errors:
                results.append({"success": False, "errors": errors})
                continue
            created = existing is None
            if created:
                existing = self._new_id()
                self.leads[existing] = {}
                self.creations.append(key)
            self.leads[existing].update(self._fields(record))
            results.append({"id": existing, "success": True, "errors": [], "created": created})
        return Response(200, results)

    def create(self, request: Request, version: str) -> Response:
        records = request.json()["records"]
        results = []
        for record in records:
            errors = self._invalid(record, creating=True)
            if errors:
                results.append({"success": False, "errors": errors})
                continue
            lead_id = self._new_id()
            self.leads[lead_id] = self._fields(record)
            self.creations.append(record.get(self.external_id_field))
            results.append({"id": lead_id, "success": True, "errors": []})
        return Response(200, results)

    def update(self, request: Request, version: str) -> Response:
        results = []
        for record in request.json()["records"]:
            lead_id = record.get("id")
            if lead_id not in self.leads:
                results.append({"id": lead_id, "success": False, "errors": [
                    {"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}]})  # fmt: skip
                continue
            errors = self._invalid(record, creating=False)
            if errors:
                results.append({"id": lead_id, "success": False, "errors": errors})
                continue
            self.leads[lead_id].update(self._fields(record))
            results.append({"id": lead_id, "success": True, "errors": []})
        return Response(200, results)

    def delete(self, request: Request, version: str) -> Response:
        ids = request.query.get("ids", [""])[0].split(",")
        results = []
        for lead_id in ids:
            if self.leads.pop(lead_id, None) is None:
                results.append({"id": lead_id, "success": False, "errors": [
                    {"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}]})  # fmt: skip
            else:
                self.deleted.append(lead_id)
                results.append({"id": lead_id, "success": True, "errors": []})
        return Response(200, results)

    def query(self, request: Request, version: str) -> Response:
        soql = request.query.get("q", [""])[0]
        match = SOQL.match(soql.strip())
        if not match:
            return Response(
                400, [{"message": f"unexpected token: {soql[:40]}", "errorCode": "MALFORMED_QUERY"}]
            )
        fields = [f.strip() for f in match["fields"].split(",")]
        raw_values = match["values"] if match["values"] is not None else match["value"]
        values = {v.replace("\\'", "'") for v in re.findall(r"'((?:[^'\\]|\\.)*)'", raw_values)}
        records = []
        for lead_id, lead in self.leads.items():
            if str(lead.get(match["field"])) in values:
                row = {
                    "attributes": {
                        "type": "Lead",
                        "url": f"/services/data/v{version}/sobjects/Lead/{lead_id}",
                    }
                }
                row |= {f: (lead_id if f == "Id" else lead.get(f)) for f in fields}
                records.append(row)
        return Response(200, {"totalSize": len(records), "done": True, "records": records})

    def by_external_id(self) -> dict[str, dict]:
        with self.lock:
            return {lead[self.external_id_field]: lead for lead in self.leads.values()}
