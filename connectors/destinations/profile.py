"""The contact profile every destination maps from: one row per segment member, plain Python values.

The warehouse side (orchestration) selects these columns; each adapter picks what its vendor needs, so a
field added here is available to every destination without touching the engine.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from connectors.destinations.sync.model import InvalidRecord

PROFILE_FIELDS = (
    "contact_id",
    "full_name",
    "email",
    "phone",
    "wechat_openids",  # every '<app_id>:<openid>' of the contact: an OpenID only works in its own account
    "company",
    "title",
    "industry",
    "city",
    "lifecycle_stage",
    "total_score",
    "fit_points",
    "engagement_points",
    "predicted_probability",
    "score_explanation",
    "top_factors",
)
"""Columns of a member profile; a segment model's own extra columns come after these."""


_PLAIN_TYPES = (str, int, bool)


def plain(value: Any) -> Any:
    """Gives a JSON-friendly Python value: numpy scalars unwrapped, NaN/NA as None, timestamps as ISO text."""
    if value is None or type(value) in _PLAIN_TYPES:
        return value
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    elif hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(v) for v in value]
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value


def clean_profile(row: Mapping[str, Any]) -> dict[str, Any]:
    """Gives a profile with plain values (what the warehouse driver returned, made JSON-friendly)."""
    return {
        k: v if v is None or type(v) in _PLAIN_TYPES or (type(v) is float and v == v) else plain(v)
        for k, v in row.items()
    }


def extra_fields(profile: Mapping[str, Any]) -> dict[str, Any]:
    """Gives the segment model's own columns (offer codes, event names, ...), beyond the standard profile."""
    return {k: v for k, v in profile.items() if k not in PROFILE_FIELDS and not k.startswith("_")}


_CJK = re.compile(r"[\u3400-\u9fff]")


def split_name(full_name: str | None) -> tuple[str | None, str | None]:
    """Gives (given name, family name): 'Li Na Smith' -> ('Li Na', 'Smith'); 李娜 -> ('娜', '李').

    Chinese names put the one-character family name first; two-character family names (欧阳) are rare
    enough that sales correct them in the CRM rather than Yuchi guessing.
    """
    if not full_name or not str(full_name).strip():
        return None, None
    text = str(full_name).strip()
    if " " not in text and _CJK.match(text) and len(text) >= 2:
        return text[1:], text[0]
    parts = text.split()
    if len(parts) == 1:
        return None, parts[0]
    return " ".join(parts[:-1]), parts[-1]


def template_values(profile: Mapping[str, Any], mapping: Mapping[str, str], kind: str) -> dict[str, str]:
    """Gives each template variable its value from the profile field the mapping names (variable -> field).

    Raises InvalidRecord naming the variable when the contact lacks the field, instead of sending a blank.
    """
    fields = {**profile, **extra_fields(profile)}
    values = {}
    for variable, field_name in mapping.items():
        value = fields.get(field_name)
        if value in (None, ""):
            raise InvalidRecord(f"template {kind} {variable} needs {field_name}, which the contact lacks")
        values[variable] = str(value)
    return values


def openid_for_app(profile: Mapping[str, Any], app_id: str) -> str | None:
    """Gives the contact's OpenID in the official account `app_id`, or None if they never followed it."""
    for scoped in profile.get("wechat_openids") or ():
        prefix, _, openid = str(scoped).partition(":")
        if prefix == app_id and openid:
            return openid
    return None


OPENIDS_JOIN = """
    left join (
        select contact_id, list(id_value order by id_value) as wechat_openids
        from marts.contact_identifiers where id_type = 'wechat_openid' group by contact_id
    ) ids on ids.contact_id = m.contact_id
"""


def _has_table(conn, schema: str, table: str) -> bool:
    return bool(
        conn.execute(
            "select 1 from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    )


def member_profiles(conn, segment_table: str) -> list[dict[str, Any]]:
    """Gives the profile of every member of a segment table (schema.table with a contact_id column).

    Reads marts.dim_contacts, marts.lead_scores, marts.predicted_lead_scores and marts.contact_identifiers
    (the latter two when they exist); the segment model's own columns follow the standard fields.
    """
    schema, _, table = segment_table.partition(".")
    own = [
        r[0]
        for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]
    if "contact_id" not in own:
        raise ValueError(f"{segment_table} has no contact_id column: a segment model must select contact_id")
    scores = _has_table(conn, "marts", "lead_scores")
    predicted = _has_table(conn, "marts", "predicted_lead_scores")
    identifiers = _has_table(conn, "marts", "contact_identifiers")
    sources = {
        "contact_id": "m.contact_id",
        "full_name": "c.full_name",
        "email": "c.email",
        "phone": "c.phone",
        "wechat_openids": "ids.wechat_openids" if identifiers else "cast(null as varchar[])",
        "company": "c.company",
        "title": "c.title",
        "industry": "c.industry",
        "city": "c.city",
        "lifecycle_stage": "s.lifecycle_stage" if scores else "null",
        "total_score": "s.total_score" if scores else "null",
        "fit_points": "s.fit_points" if scores else "null",
        "engagement_points": "s.engagement_points" if scores else "null",
        "predicted_probability": "p.probability" if predicted else "null",
        "score_explanation": "s.score_explanation" if scores else "null",
        "top_factors": "p.top_factors" if predicted else "null",
    }
    joins = ["join marts.dim_contacts c on c.contact_id = m.contact_id"]
    if scores:
        joins.append("left join marts.lead_scores s on s.contact_id = m.contact_id")
    if predicted:
        joins.append("left join marts.predicted_lead_scores p on p.contact_id = m.contact_id")
    if identifiers:
        joins.append(OPENIDS_JOIN)
    columns = ", ".join(f'{sources[name]} as "{name}"' for name in PROFILE_FIELDS)
    extras = "".join(f', m."{c}"' for c in own if c not in PROFILE_FIELDS)
    sql = f'select {columns}{extras} from {schema}."{table}" m {" ".join(joins)} order by m.contact_id'
    cursor = conn.execute(sql)
    names = [d[0] for d in cursor.description]
    return [clean_profile(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]


def address_keys(profile: Mapping[str, Any]) -> list[str]:
    """Gives the identifier keys ('email:a@b.cn') of the addresses a destination may use for a contact."""
    keys = []
    if profile.get("email"):
        keys.append(f"email:{profile['email']}")
    if profile.get("phone"):
        keys.append(f"phone:{profile['phone']}")
    keys += [f"wechat_openid:{o}" for o in profile.get("wechat_openids") or ()]
    return keys
