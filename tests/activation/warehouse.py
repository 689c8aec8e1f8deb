"""A small warehouse for activation tests and benchmarks: the marts a sync reads, filled with made-up people.

The tables have the columns of the real marts (dim_contacts, contact_identifiers, lead_scores) so the sync code
reads them exactly as it reads a warehouse built by dbt.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

MARTS_DDL = (
    "create schema if not exists marts",
    "create schema if not exists segments",
    "create schema if not exists raw",
    """create or replace table marts.dim_contacts (
        contact_id varchar, full_name varchar, phone varchar, email varchar, wechat_openid varchar, company varchar,
        title varchar, industry varchar, company_size varchar, city varchar, title_seniority varchar,
        is_wechat_follower boolean, unsubscribed_wechat boolean, crm_id varchar,
        unsubscribed_email boolean, unsubscribed_sms boolean, refused_marketing boolean,
        refused_automated_decisions boolean, consent_updated_at timestamp)""",
    """create or replace table marts.contact_identifiers (
        identifier_key varchar, id_type varchar, id_value varchar, contact_id varchar)""",
    """create or replace table marts.lead_scores (
        contact_id varchar, fit_points integer, engagement_points integer, total_score integer, is_mql boolean,
        lifecycle_stage varchar, score_explanation varchar)""",
)
SURNAMES = "李王张刘陈杨赵黄周吴"
GIVEN = "娜伟芳敏静丽强磊军洋"


def person(i: int) -> dict:
    return {
        "contact_id": f"c_{i:06d}",
        "full_name": SURNAMES[i % 10] + GIVEN[(i // 10) % 10],
        "phone": f"+86138{i:08d}",
        "email": f"person{i}@example.cn",
        "wechat_openid": f"wxa0000000000000001:oOPENID{i:012d}",
        "company": f"公司{i % 97}",
        "title": "采购经理",
        "industry": "software",
        "company_size": "100-499",
        "city": "上海",
        "title_seniority": "manager",
        "is_wechat_follower": True,
        "unsubscribed_wechat": False,
        "crm_id": None,
        "unsubscribed_email": False,
        "unsubscribed_sms": False,
        "refused_marketing": False,
        "refused_automated_decisions": False,
        "consent_updated_at": None,
    }


def build(path: Path | str, people: int, segment: str = "segment_test", members: Iterable[int] | None = None):
    """Creates a warehouse with `people` contacts and a segment table holding `members` (default: everyone)."""
    conn = duckdb.connect(str(path))
    for statement in MARTS_DDL:
        conn.execute(statement)
    rows = [person(i) for i in range(people)]
    contacts = pd.DataFrame(rows)
    conn.register("_contacts", contacts)
    conn.execute("insert into marts.dim_contacts select * from _contacts")
    identifiers = []
    for row in rows:
        for id_type, value in (
            ("email", row["email"]),
            ("phone", row["phone"]),
            ("wechat_openid", row["wechat_openid"]),
        ):
            identifiers.append({"identifier_key": f"{id_type}:{value}", "id_type": id_type, "id_value": value,
                                "contact_id": row["contact_id"]})  # fmt: skip
    conn.register("_ids", pd.DataFrame(identifiers))
    conn.execute("insert into marts.contact_identifiers select * from _ids")
    scores = pd.DataFrame(
        {
            "contact_id": contacts["contact_id"],
            "fit_points": 30,
            "engagement_points": 40,
            "total_score": 70,
            "is_mql": True,
            "lifecycle_stage": "mql",
            "score_explanation": "demo request (+30); webinar watched 30+ min (+20)",
        }
    )
    conn.register("_scores", scores)
    conn.execute("insert into marts.lead_scores select * from _scores")
    set_members(conn, segment, range(people) if members is None else members)
    return conn


def set_members(conn: duckdb.DuckDBPyConnection, segment: str, members: Iterable[int]) -> None:
    """Replaces the segment table's members (as a dbt build of the segment model would)."""
    frame = pd.DataFrame({"contact_id": [f"c_{i:06d}" for i in members]})
    conn.register("_members", frame)
    conn.execute(f"create or replace table segments.{segment} as select contact_id from _members")
    conn.unregister("_members")


def touch_scores(conn: duckdb.DuckDBPyConnection, members: Iterable[int], delta: int = 1) -> None:
    """Changes the score of some contacts, so their payloads change."""
    ids = ", ".join(f"'c_{i:06d}'" for i in members)
    if ids:
        conn.execute(
            f"update marts.lead_scores set total_score = total_score + {delta} where contact_id in ({ids})"
        )
