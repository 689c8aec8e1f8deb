"""The probabilistic tier: Splink links parts that are one person by name, company, city and near-identical
phones or emails, refuses links that would break a per-contact limit, and gives the same links every run."""

from __future__ import annotations

import random

import pandas as pd

from ml.identity.probabilistic import MatchSettings, accept_links, comparison_frame, probabilistic_links

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华"
COMPANIES = [
    "华信科技",
    "中科医药",
    "博远化工",
    "Sino Capital",
    "天成汽车",
    "恒达教育",
    "瑞康半导体",
    "Apex Labs",
]
CITIES = ["上海", "北京", "深圳", "广州", "杭州", "苏州"]


def _population(n: int = 400) -> pd.DataFrame:
    """Distinct people (one part each), deterministic; names repeat the way common Chinese names do."""
    rng = random.Random(n)
    rows = []
    for i in range(n):
        email = f"{rng.choice(['li', 'wang', 'chen', 'zhang'])}.{rng.randrange(10**6):06d}@corp{i % 9}.cn"
        rows.append(
            {
                "part_key": f"email:{email}",
                "full_name": SURNAMES[i % 20] + GIVEN[(i * 7) % 25] + GIVEN[(i * 11) % 25],
                "company": COMPANIES[(i * 3) % 8] + f" {i % 37}",
                "city": CITIES[(i * 5) % 6],
                "phone": f"+86139{rng.randrange(10**8):08d}",
                "email": email,
            }
        )
    return pd.DataFrame(rows)


def _no_limits() -> pd.DataFrame:
    return pd.DataFrame(columns=["part_key", "id_type", "limit_scope_value", "n_values", "max_per_contact"])


def test_second_part_of_a_person_is_linked_and_strangers_are_not():
    people = _population()
    # person 7 also left a form with a phone one digit off; person 8 one with a doubled letter in the email
    seven, eight = people.iloc[7], people.iloc[8]
    typo_phone = seven.phone[:-1] + str((int(seven.phone[-1]) + 1) % 10)
    typo_email = eight.email[0] + eight.email
    extra = pd.DataFrame(
        [
            {"part_key": f"phone:{typo_phone}", "full_name": seven.full_name, "company": seven.company,
             "city": seven.city, "phone": typo_phone, "email": None},
            {"part_key": f"email:{typo_email}", "full_name": eight.full_name, "company": eight.company,
             "city": None, "phone": None, "email": typo_email},
        ]
    )  # fmt: skip
    links = probabilistic_links(pd.concat([people, extra], ignore_index=True), _no_limits())
    pairs = {frozenset((a, b)) for a, b in zip(links["part_key_l"], links["part_key_r"], strict=True)}
    assert frozenset((f"phone:{typo_phone}", seven.part_key)) in pairs
    assert frozenset((f"email:{typo_email}", eight.part_key)) in pairs
    assert len(pairs) == 2, f"strangers linked: {pairs}"
    assert (links["match_probability"] >= MatchSettings().threshold).all()
    assert "name_key" in links["evidence"].iloc[0]


def test_links_are_the_same_on_every_run():
    people = _population(200)
    extra = people.iloc[[3]].assign(
        part_key="phone:+8613900000031", phone=people.phone[3][:-1] + "x", email=None
    )
    candidates = pd.concat([people, extra], ignore_index=True)
    first = probabilistic_links(candidates, _no_limits())
    second = probabilistic_links(candidates, _no_limits())
    pd.testing.assert_frame_equal(first, second)


def test_link_that_would_give_a_contact_two_crm_ids_is_refused():
    pairs = pd.DataFrame(
        {
            "part_key_l": ["crm_id:1", "crm_id:2", "email:a"],
            "part_key_r": ["email:a", "email:b", "email:b"],
            "match_probability": [0.999, 0.998, 0.997],
            "match_weight": [10.0, 9.0, 8.0],
        }
    )
    limits = pd.DataFrame(
        {
            "part_key": ["crm_id:1", "crm_id:2"],
            "id_type": ["crm_id", "crm_id"],
            "limit_scope_value": ["", ""],
            "n_values": [1, 1],
            "max_per_contact": [1, 1],
        }
    )
    links = accept_links(pairs, limits)
    # crm_id:1 + email:a, then crm_id:2 + email:b; email:a + email:b would join the two crm_ids
    assert list(zip(links["part_key_l"], links["part_key_r"], strict=True)) == [
        ("crm_id:1", "email:a"),
        ("crm_id:2", "email:b"),
    ]
    assert list(links["cluster_key"]) == ["crm_id:1", "crm_id:2"]


def test_comparison_keys_ignore_case_spacing_punctuation_and_legal_suffixes():
    frame = comparison_frame(
        pd.DataFrame(
            {
                "part_key": ["a", "b"],
                "full_name": ["David  Zhang", "david zhang"],
                "company": ["华信科技有限公司", "华信科技"],
                "city": ["上海 ", "上海"],
                "phone": [None, None],
                "email": [None, None],
            }
        )
    )
    assert frame["name_key"].nunique() == 1
    assert frame["company_key"].nunique() == 1
    assert frame["city_key"].nunique() == 1
