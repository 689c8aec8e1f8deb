import sqlalchemy as sa

from connectors.destinations import light_crm


def _lead(contact_id, score):
    return {
        "contact_id": contact_id,
        "full_name": "李娜",
        "email": f"{contact_id}@example.cn",
        "total_score": score,
    }


def test_upsert_creates_then_updates_only_changed_leads_and_keeps_sales_fields(tmp_path):
    engine = light_crm.connect(f"sqlite:///{tmp_path / 'crm.db'}")
    first = light_crm.upsert_leads(engine, [_lead("c1", 70), _lead("c2", 80)])
    with engine.begin() as conn:
        conn.execute(
            sa.text("update leads set sales_status = 'working', owner = 'zhang' where contact_id = 'c1'")
        )
    second = light_crm.upsert_leads(engine, [_lead("c1", 75), _lead("c2", 80)])
    assert (sorted(first.created), second.updated, second.unchanged) == (["c1", "c2"], ["c1"], 1)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("select contact_id, total_score, sales_status, owner from leads order by 1")
        ).all()
    assert rows == [("c1", 75.0, "working", "zhang"), ("c2", 80.0, "new", None)]


def test_lead_without_contact_id_is_refused_with_the_record():
    engine = light_crm.connect("sqlite://")
    try:
        light_crm.upsert_leads(engine, [{"full_name": "x"}])
    except ValueError as exc:
        assert "without contact_id" in str(exc) and "'full_name': 'x'" in str(exc)
    else:
        raise AssertionError("a lead without contact_id was accepted")
