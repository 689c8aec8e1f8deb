"""A fake HubSpot: the CRM v3 contacts batch API, static list memberships and GDPR delete, on loopback.

Answers as developers.hubspot.com documents them: batch upsert/update/create/read/archive with at most 100
inputs, 207 Multi-Status with `errors` for records not found, 400 VALIDATION_ERROR for the whole batch when
one property value is invalid, 409 CONFLICT on creating an existing contact, 401 without a valid private-app
token, and 429 {"errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING"} past 190 requests per 10 s.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from datetime import UTC, datetime

from tests.fakes.server import FakeVendor, Faults, Request, Response, _seconds

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _normal(id_property: str, value) -> str:
    return str(value).lower() if id_property == "email" else str(value)


def _error(status: int, message: str, category: str, **extra) -> Response:
    body = {"status": "error", "message": message, "correlationId": str(uuid.uuid4()), "category": category}
    return Response(status, body | extra)


class FakeHubSpot(FakeVendor):
    name = "hubspot"
    token_default = "pat-na1-test"

    def __init__(self, token: str = "pat-na1-test", faults: Faults | None = None, rate_limit=(190, 10.0),
                 daily_limit: int | None = None, latency: float = 0.0):  # fmt: skip
        super().__init__(faults, rate_limit, latency)
        self.token = token
        self.daily_limit = daily_limit
        self.contacts: dict[str, dict] = {}  # HubSpot id -> {"properties": ..., "createdAt": ...}
        self.creations: list[str] = []  # every contact creation, by email: a duplicate shows twice
        self.lists: dict[str, set[str]] = {}
        self.gdpr_deleted: list[dict] = []
        self.archived: list[str] = []
        self._ids = itertools.count(1001)
        self._indexes: dict[str, dict[str, str]] = {}
        base = "/crm/v3/objects/contacts"
        self.route("POST", f"{base}/batch/upsert", self.batch_upsert)
        self.route("POST", f"{base}/batch/update", self.batch_update)
        self.route("POST", f"{base}/batch/create", self.batch_create)
        self.route("POST", f"{base}/batch/read", self.batch_read)
        self.route("POST", f"{base}/batch/archive", self.batch_archive)
        self.route("POST", f"{base}/gdpr-delete", self.gdpr_delete)
        self.route(
            "PUT", r"/crm/v3/lists/(?P<list_id>[^/]+)/memberships/(?P<verb>add|remove)", self.membership
        )

    # -- protocol -------------------------------------------------------------------------------------------

    def authenticate(self, request: Request, number: int) -> Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, "Authentication credentials not found.", "INVALID_AUTHENTICATION")
        if self.daily_limit is not None and number > self.daily_limit:
            return Response(429, {"status": "error", "message": "You have reached your daily limit.",
                                  "errorType": "RATE_LIMIT", "policyName": "DAILY"})  # fmt: skip
        return None

    def rate_limited(self, retry_after: float) -> Response:
        body = {
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": "TEN_SECONDLY_ROLLING",
        }
        return Response(429, body, {"Retry-After": _seconds(retry_after)})

    def server_error(self) -> Response:
        return _error(500, "internal error", "INTERNAL_ERROR")

    # -- state helpers --------------------------------------------------------------------------------------

    def find(self, id_property: str, value: str) -> str | None:
        if id_property == "hs_object_id":
            return str(value) if str(value) in self.contacts else None
        return self._index(id_property).get(_normal(id_property, value))

    def _index(self, id_property: str) -> dict[str, str]:
        index = self._indexes.get(id_property)
        if index is None:
            index = {
                _normal(id_property, c["properties"][id_property]): cid
                for cid, c in self.contacts.items()
                if c["properties"].get(id_property) is not None
            }
            self._indexes[id_property] = index
        return index

    def _reindex(self, contact_id: str, old: dict | None) -> None:
        new = self.contacts.get(contact_id, {}).get("properties", {})
        for prop, index in self._indexes.items():
            if old and old.get(prop) is not None:
                index.pop(_normal(prop, old[prop]), None)
            if new.get(prop) is not None:
                index[_normal(prop, new[prop])] = contact_id

    def by_email(self) -> dict[str, dict]:
        with self.lock:
            return {c["properties"]["email"]: c["properties"] for c in self.contacts.values()}

    def _validate(self, inputs: list) -> Response | None:
        if len(inputs) > 100:
            return _error(400, f"Batch size of {len(inputs)} exceeds limit of 100", "VALIDATION_ERROR")
        bad = [
            {"isValid": False, "message": f"Email address {i['properties']['email']} is invalid",
             "error": "INVALID_EMAIL", "name": "email"}
            for i in inputs
            if "email" in (i.get("properties") or {}) and not EMAIL.match(i["properties"]["email"])
        ]  # fmt: skip
        if bad:
            return _error(400, f"Property values were not valid: {json.dumps(bad)}", "VALIDATION_ERROR")
        return None

    def _result(self, contact_id: str, new: bool, trace: str | None = None) -> dict:
        contact = self.contacts[contact_id]
        now = datetime.now(UTC).isoformat()
        result = {"id": contact_id, "properties": dict(contact["properties"]), "createdAt": contact["createdAt"],
                  "updatedAt": now, "archived": False}  # fmt: skip
        if new is not None:
            result["new"] = new
        if trace:
            result["objectWriteTraceId"] = trace
        return result

    def _create(self, properties: dict) -> str:
        contact_id = str(next(self._ids))
        properties = dict(properties)
        if "email" in properties:
            properties["email"] = properties["email"].lower()
        self.contacts[contact_id] = {"properties": properties, "createdAt": datetime.now(UTC).isoformat()}
        self.creations.append(properties.get("email") or contact_id)
        self._reindex(contact_id, None)
        return contact_id

    def _update(self, contact_id: str, properties: dict) -> None:
        old = dict(self.contacts[contact_id]["properties"])
        self.contacts[contact_id]["properties"].update(properties)
        self._reindex(contact_id, old)

    def _delete(self, contact_id: str) -> None:
        old = self.contacts.pop(contact_id)["properties"]
        for prop, index in self._indexes.items():
            if old.get(prop) is not None:
                index.pop(_normal(prop, old[prop]), None)
        for members in self.lists.values():
            members.discard(contact_id)

    def _complete(self, results: list, errors: list | None = None) -> Response:
        now = datetime.now(UTC).isoformat()
        body = {"status": "COMPLETE", "results": results, "startedAt": now, "completedAt": now}
        if errors:
            body |= {"numErrors": len(errors), "errors": errors}
            return Response(207, body)
        return Response(200, body)

    # -- endpoints ------------------------------------------------------------------------------------------

    def batch_upsert(self, request: Request) -> Response:
        inputs = request.json().get("inputs") or []
        invalid = self._validate(inputs)
        if invalid:
            return invalid
        results = []
        for item in inputs:
            contact_id = self.find(item["idProperty"], item["id"])
            new = contact_id is None
            if new:
                contact_id = self._create({item["idProperty"]: item["id"], **item["properties"]})
            else:
                self._update(contact_id, item["properties"])
            results.append(self._result(contact_id, new, item.get("objectWriteTraceId")))
        return self._complete(results)

    def batch_update(self, request: Request) -> Response:
        inputs = request.json().get("inputs") or []
        invalid = self._validate(inputs)
        if invalid:
            return invalid
        results, missing = [], []
        for item in inputs:
            contact_id = self.find(item.get("idProperty") or "hs_object_id", item["id"])
            if contact_id is None:
                missing.append(item["id"])
                continue
            self._update(contact_id, item["properties"])
            results.append(self._result(contact_id, None, item.get("objectWriteTraceId")))
        errors = self._not_found(missing)
        return self._complete(results, errors)

    def batch_create(self, request: Request) -> Response:
        inputs = request.json().get("inputs") or []
        invalid = self._validate(inputs)
        if invalid:
            return invalid
        for item in inputs:
            existing = self.find("email", item["properties"].get("email", ""))
            if existing:
                return _error(409, f"Contact already exists. Existing ID: {existing}", "CONFLICT")
        results = [
            self._result(self._create(item["properties"]), True, item.get("objectWriteTraceId"))
            for item in inputs
        ]
        return Response(201, {"status": "COMPLETE", "results": results})

    def batch_read(self, request: Request) -> Response:
        body = request.json()
        id_property = body.get("idProperty") or "hs_object_id"
        properties = body.get("properties") or []
        results, missing = [], []
        for item in body.get("inputs") or []:
            contact_id = self.find(id_property, item["id"])
            if contact_id is None:
                missing.append(item["id"])
                continue
            held = self.contacts[contact_id]["properties"]
            results.append(
                {
                    "id": contact_id,
                    "properties": {p: held.get(p) for p in properties} | {id_property: held.get(id_property)},
                }
            )
        return self._complete(results, self._not_found(missing))

    def batch_archive(self, request: Request) -> Response:
        for item in request.json().get("inputs") or []:
            if str(item["id"]) in self.contacts:
                self._delete(str(item["id"]))
                self.archived.append(str(item["id"]))
        return Response(204)

    def gdpr_delete(self, request: Request) -> Response:
        body = request.json()
        self.gdpr_deleted.append(body)
        contact_id = (
            self.find(body["idProperty"], body["objectId"]) if body.get("idProperty") else body["objectId"]
        )
        if contact_id in self.contacts:
            self._delete(contact_id)
        return Response(204)

    def membership(self, request: Request, list_id: str, verb: str) -> Response:
        ids = [str(i) for i in request.json()]
        members = self.lists.setdefault(list_id, set())
        present = [i for i in ids if i in self.contacts]
        missing = [i for i in ids if i not in self.contacts]
        if verb == "add":
            added = [i for i in present if i not in members]
            members.update(present)
            return Response(
                200, {"recordIdsAdded": added, "recordIdsMissing": missing, "recordIdsRemoved": []}
            )
        removed = [i for i in present if i in members]
        members.difference_update(present)
        return Response(200, {"recordIdsRemoved": removed, "recordIdsMissing": missing, "recordIdsAdded": []})

    def _not_found(self, missing: list) -> list:
        if not missing:
            return []
        return [{
            "status": "error",
            "category": "OBJECT_NOT_FOUND",
            "message": "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.",
            "context": {"ids": [str(m) for m in missing]},
        }]  # fmt: skip
