"""Deletion requests: the person leaves raw, quarantine, marts, ledgers and landing files, stays out of later
loads, and only hashes remain."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from connectors import identifiers
from connectors.destinations import erasure
from connectors.destinations.file_export import FileExport
from connectors.destinations.light_crm import LightCrmLeads
from connectors.destinations.smtp_email import SmtpConfig, SmtpEmail
from connectors.destinations.sync.destination import ErasureNotSupported, ErasureSubject
from connectors.destinations.sync.ledger import Ledger
from connectors.destinations.sync.model import Action, Change, Outcome, Status
from connectors.sources.loader import load_entity, row_accounting
from connectors.sources.readers import count_records
from connectors.sources.web_forms import SUBMISSIONS


def submission(number: int, email: str, phone: str, **extra) -> dict:
    return {"submission_id": f"s{number}", "form_id": "demo_request", "submitted_at": "2026-11-01T10:00:00+08:00",
            "name": "李娜", "email": email, "phone": phone, "company": "鱼池科技"} | extra  # fmt: skip


def key_of(value: str) -> str:
    return identifiers.hashed_identifier(value)


def write_jsonl(path: Path, records: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


@pytest.fixture
def loaded(tmp_path):
    """A warehouse with Ann (two submissions, one quarantined record) and Ben, and marts and ledgers for both."""
    landing = tmp_path / "landing"
    first = landing / "web_forms" / "forms-1.jsonl"
    broken = {"form_id": "contact_us", "email": "ann@example.cn", "phone": "13800000001"}  # no submission_id
    write_jsonl(
        first,
        [
            submission(1, "Ann@Example.cn", "138 0000 0001"),
            submission(2, "ben@example.cn", "13800000002"),
            broken,
            submission(3, "ann@example.cn", "", company="another"),
        ],
    )
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    load_entity(conn, SUBMISSIONS, landing)
    conn.execute("create schema marts")
    conn.execute(
        "create table marts.contact_identifiers (identifier_key varchar, id_type varchar, id_value varchar, contact_id varchar)"
    )
    conn.execute(
        "insert into marts.contact_identifiers values ('email:ann@example.cn', 'email', 'ann@example.cn', 'c_ann'), "
        "('phone:+8613800000001', 'phone', '+8613800000001', 'c_ann'), "
        "('email:ben@example.cn', 'email', 'ben@example.cn', 'c_ben')"
    )
    conn.execute(
        "create table marts.dim_contacts as select * from (values ('c_ann', 'ann@example.cn'), ('c_ben', 'ben@example.cn')) t(contact_id, email)"
    )
    conn.execute("create schema ml")  # the behaviour features kept between scoring runs (ml.feature_state)
    conn.execute(
        "create table ml.behaviour_features as select * from (values ('c_ann', 3), ('c_ben', 1)) t(contact_id, n_events)"
    )
    ledger = Ledger(conn, "hubspot")
    changes = {
        k: Change(k, Action.CREATE, {"email": e}, "h", f"key_{k}")
        for k, e in (("c_ann", "ann"), ("c_ben", "ben"))
    }
    ledger.record_intents("seg:hubspot", "r1", list(changes.values()))
    ledger.record_outcomes(
        "seg:hubspot", "r1", changes, [Outcome(k, Status.DELIVERED, f"hs_{k}") for k in changes]
    )
    yield conn, landing, first
    conn.close()


def carry_out(conn, **identifiers) -> tuple[str, ErasureSubject, list]:
    request_id = erasure.submit(conn, identifiers, reason="PIPL art. 47 request by phone")
    (request,) = erasure.received_requests(conn)
    subject, keys, contact_ids = erasure.resolve(conn, request)
    erasure.register(conn, request_id, keys, contact_ids)
    acks = erasure.enforce_register(conn, keys, request_id)
    erasure.complete(conn, request_id, acks)
    return request_id, subject, acks


def test_the_whole_person_is_found_from_one_identifier_with_their_destination_ids(loaded):
    conn, *_ = loaded
    request_id = erasure.submit(conn, {"phone": ["138-0000-0001"]})
    subject, keys, contact_ids = erasure.resolve(conn, erasure.received_requests(conn)[0])
    assert contact_ids == ["c_ann"] and keys == ["email:ann@example.cn", "phone:+8613800000001"]
    assert subject.emails == ("ann@example.cn",) and subject.external_ids == ("hs_c_ann",)
    assert request_id.startswith("del_")


def test_erasure_removes_the_person_from_raw_quarantine_marts_and_ledgers_and_keeps_only_hashes(loaded):
    conn, *_ = loaded
    request_id, _, acks = carry_out(conn, email=["ANN@example.cn"])
    left = {
        table: conn.execute(f"select count(*) from {table}").fetchone()[0]
        for table in ("raw.web_forms_submissions", "quarantine.web_forms_submissions", "marts.dim_contacts",
                      "marts.contact_identifiers", "activation.sync_ledger", "activation.sync_state",
                      "ml.behaviour_features")
    }  # fmt: skip
    request = conn.execute(
        "select status, identifiers_json, len(identifier_hashes) from activation.erasure_requests"
    ).fetchone()
    assert left == {"raw.web_forms_submissions": 1, "quarantine.web_forms_submissions": 0, "marts.dim_contacts": 1,
                    "marts.contact_identifiers": 1, "activation.sync_ledger": 1, "activation.sync_state": 1,
                    "ml.behaviour_features": 1}  # fmt: skip
    assert request == ("completed", None, 3)  # two identifiers and the contact id, hashed; nothing in clear
    dumped = conn.execute("select * from activation.erased_identifiers").fetchall()
    assert "ann@example.cn" not in repr(dumped) and erasure.key_hash("email:ann@example.cn") in repr(dumped)
    logged = conn.execute(
        "select target, status from activation.erasure_acknowledgements where request_id = ?", [request_id]
    )
    assert ("warehouse raw.web_forms_submissions", "done") in logged.fetchall()


def test_landing_records_are_blanked_the_file_is_not_reloaded_and_rows_still_add_up(loaded):
    conn, landing, first = loaded
    carry_out(conn, email=["ann@example.cn"])
    text = first.read_text(encoding="utf-8")
    report = load_entity(conn, SUBMISSIONS, landing)
    accounting = row_accounting(conn, SUBMISSIONS)
    records_in_file = count_records(first, "jsonl")
    assert "ann@example.cn" not in text.lower() and "ben@example.cn" in text
    assert text.count("\n") == 4, "blanked lines keep every other record's line number"
    assert report.files_skipped == [str(first)] and report.rows_loaded == 0
    assert (
        records_in_file
        == accounting["rows_in_raw"] + accounting["rows_in_quarantine"]
        == accounting["rows_landed"]
    )


def test_an_erased_persons_old_record_loaded_again_is_detected_and_removed(loaded):
    conn, landing, _ = loaded
    carry_out(conn, email=["ann@example.cn"])
    write_jsonl(landing / "web_forms" / "re-export.jsonl", [submission(1, "ann@example.cn", "13800000001")])
    load_entity(conn, SUBMISSIONS, landing)
    assert erasure.erased_rows(conn, "raw", "web_forms_submissions") == 1
    acks = erasure.enforce_register(conn)
    assert erasure.erased_rows(conn, "raw", "web_forms_submissions") == 0
    assert any(a.target == "landing re-export.jsonl" for a in acks)


def test_a_request_with_an_unusable_identifier_is_refused_when_submitted(loaded):
    conn, *_ = loaded
    with pytest.raises(ValueError, match="email 'not-an-email' is unusable"):
        erasure.submit(conn, {"email": ["not-an-email"]})


def test_the_light_crm_and_file_exports_forget_the_person(tmp_path):
    crm = LightCrmLeads(f"sqlite:///{tmp_path / 'crm.db'}")
    crm.send(Action.CREATE, [Change("c_ann", Action.CREATE, {"email": "ann@example.cn"}, "h", "k1"),
                             Change("c_ben", Action.CREATE, {"email": "ben@example.cn"}, "h", "k2")])  # fmt: skip
    export = FileExport(tmp_path / "exports", "parquet", "seed", "hashed_audience", hashed=True)
    export.write([export.payload({"email": "ann@example.cn"}), export.payload({"phone": "+8613800000002"})])
    subject = ErasureSubject("del_1", "c_ann", emails=("ann@example.cn",))
    assert crm.erase(subject) == "light CRM deleted 1 lead(s) and their list memberships"
    assert export.erase(subject).startswith("hashed_audience: removed 1 row(s)")
    with crm.engine.connect() as db:
        remaining = [r[0] for r in db.execute(sa.text("select contact_id from leads"))]
    assert remaining == ["c_ben"]
    assert pq.read_table(export.path).column("hashed_phone").to_pylist() == [key_of("+8613800000002")]


def test_the_email_outbox_forgets_the_person_and_a_real_smtp_server_cannot_be_asked_to(tmp_path):
    email = SmtpEmail(SmtpConfig(outbox=str(tmp_path / "outbox")), "webinar_follow_up", "replay")
    for key, address in (("c_ann", "ann@example.cn"), ("c_ben", "ben@example.cn")):
        payload = email.payload({"contact_id": key, "email": address, "full_name": "李娜", "company": "鱼池"})
        email.send_one(Action.CREATE, Change(key, Action.CREATE, payload, "h", f"k_{key}"))
    ack = email.erase(ErasureSubject("del_1", "c_ann", emails=("ann@example.cn",)))
    assert ack == "email outbox: deleted 1 message(s)"
    assert [p.name for p in (tmp_path / "outbox" / "replay").glob("*.eml")] == ["k_c_ben.eml"]
    with pytest.raises(ErasureNotSupported, match="cannot be recalled"):
        SmtpEmail(SmtpConfig(host="127.0.0.1"), "webinar_follow_up", "replay").erase(
            ErasureSubject("del_2", "c")
        )
