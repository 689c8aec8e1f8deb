import csv
import json

import pytest

from connectors import identifiers as ids
from connectors.demo.generator import DemoConfig, generate
from connectors.demo.mess import JUNK_EMAILS, JUNK_PHONES
from connectors.sources import ALL_ENTITIES, CHANNEL_MODULES


def _landing_bytes(home):
    return {p.relative_to(home): p.read_bytes() for p in sorted((home / "landing").rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_files(tmp_path):
    generate(DemoConfig(people=150, seed=3), tmp_path / "a")
    generate(DemoConfig(people=150, seed=3), tmp_path / "b")
    generate(DemoConfig(people=150, seed=4), tmp_path / "c")
    assert _landing_bytes(tmp_path / "a") == _landing_bytes(tmp_path / "b")
    assert _landing_bytes(tmp_path / "a") != _landing_bytes(tmp_path / "c")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    return home, generate(DemoConfig(people=400, seed=1), home)


def test_every_channel_and_table_gets_files_and_ground_truth_covers_every_record(demo):
    tmp_path, summary = demo
    channels = {p.name for p in (tmp_path / "landing").iterdir()}
    assert channels == set(CHANNEL_MODULES)
    assert set(summary["records"]) == {entity.table for entity in ALL_ENTITIES}
    with (tmp_path / "ground_truth" / "records.csv").open() as handle:
        records = list(csv.DictReader(handle))
    assert len(records) == sum(summary["records"].values())
    assert sum(1 for r in records if r["broken"]) == sum(summary["broken_records"].values())
    assert summary["people_in_data"] <= summary["people"] == 400
    formats = {p.suffix for p in (tmp_path / "landing").rglob("*") if p.is_file()}
    assert formats == {".jsonl", ".csv", ".xlsx", ".xml"}


def test_ground_truth_knows_the_person_behind_every_kind_of_identifier(demo):
    tmp_path, _ = demo
    with (tmp_path / "ground_truth" / "identifiers.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    kinds = {r["id_type"] for r in rows}
    assert kinds == set(ids.ID_TYPES)
    openids = [r["id_value"] for r in rows if r["id_type"] == "wechat_openid"]
    lists = [r["id_value"] for r in rows if r["id_type"] == "external_id"]
    assert all(":" in v for v in openids + lists)  # scoped by official account or by list
    with (tmp_path / "ground_truth" / "referrals.csv").open() as handle:
        referrals = list(csv.DictReader(handle))
    with (tmp_path / "ground_truth" / "people.csv").open() as handle:
        people = {p["person_id"]: p for p in csv.DictReader(handle)}
    assert referrals
    for referral in referrals:  # the share link carries one of the sharer's own identifiers
        sharer = people[referral["referrer_person_id"]]
        own = {
            f"phone:+86{sharer['phone']}",
            f"email:{sharer['email']}",
            f"wechat_unionid:{sharer['unionid']}",
        }
        assert referral["referrer_key"] in own


def test_wechat_pushes_are_xml_documents_carrying_the_openid_only(demo):
    tmp_path, _ = demo
    push = next((tmp_path / "landing" / "wechat").glob("pushes-wx*.xml")).read_text(encoding="utf-8")
    first = push.split("</xml>")[0]
    assert (
        first.startswith("<xml>")
        and "<FromUserName><![CDATA[o" in first
        and "<MsgType><![CDATA[event]]>" in first
    )
    assert "unionid" not in push.lower()


def test_ground_truth_identifiers_are_normalised_and_owned_by_one_person(tmp_path):
    generate(DemoConfig(people=300, seed=2), tmp_path)
    with (tmp_path / "ground_truth" / "identifiers.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len({(r["id_type"], r["id_value"]) for r in rows}) == len(rows)
    phones = [r["id_value"] for r in rows if r["id_type"] == "phone"]
    emails = [r["id_value"] for r in rows if r["id_type"] == "email"]
    assert phones and all(ids.normalize_phone(p).value == p for p in phones)
    assert emails and all(ids.normalize_email(e).value == e for e in emails)
    junk = {ids.normalize_phone(p).value for p in JUNK_PHONES} | set(JUNK_EMAILS)
    assert junk.isdisjoint(phones + emails)


def test_junk_identifiers_appear_only_when_asked_for(tmp_path):
    generate(DemoConfig(people=400, seed=5, junk_rate=0.0), tmp_path / "clean")
    generate(DemoConfig(people=400, seed=5, junk_rate=0.1), tmp_path / "junky")

    def junk_count(home):
        text = "\n".join(p.read_text() for p in (home / "landing" / "web_forms").glob("*.jsonl"))
        return sum(text.count(j) for j in (*JUNK_PHONES, *JUNK_EMAILS))

    assert junk_count(tmp_path / "clean") == 0
    assert junk_count(tmp_path / "junky") > 20


def test_crm_outcomes_follow_latent_propensity(tmp_path):
    generate(DemoConfig(people=3000, seed=9), tmp_path)
    with (tmp_path / "ground_truth" / "people.csv").open() as handle:
        people = {r["person_id"]: float(r["propensity"]) for r in csv.DictReader(handle)}
    with (tmp_path / "ground_truth" / "identifiers.csv").open() as handle:
        crm_owner = {
            r["id_value"]: r["person_id"] for r in csv.DictReader(handle) if r["id_type"] == "crm_id"
        }
    path = next((tmp_path / "landing" / "crm").glob("*.csv"))
    with path.open() as handle:
        outcomes = [r for r in csv.DictReader(handle) if r["crm_id"] in crm_owner]
    with_opp = [people[crm_owner[r["crm_id"]]] for r in outcomes if r["opportunity_created_at"]]
    without = [people[crm_owner[r["crm_id"]]] for r in outcomes if not r["opportunity_created_at"]]
    assert len(with_opp) > 30
    assert sum(with_opp) / len(with_opp) > 1.5 * sum(without) / len(without)
    assert json.loads((tmp_path / "ground_truth" / "summary.json").read_text())["records"][
        "crm_outcomes"
    ] == len(list(csv.DictReader(path.open())))
