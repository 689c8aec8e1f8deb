"""The latent population behind the demo data: who each person is, how well they fit, how much they intend to buy.

Fit and intent are hidden from the pipeline; they only shape behaviour and CRM outcomes, and go to ground truth.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

SURNAMES_ZH = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
)
GIVEN_ZH = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉文辉鹏飞婷雪梅晨宇浩然思远佳怡子涵"
)
FIRST_EN = [
    "James",
    "Mary",
    "David",
    "Linda",
    "Michael",
    "Susan",
    "Kevin",
    "Grace",
    "Peter",
    "Helen",
    "Jason",
    "Emily",
    "Eric",
    "Cindy",
    "Tony",
    "Vivian",
    "Frank",
    "Sophie",
    "Leo",
    "Iris",
]
LAST_EN = [
    "Wang",
    "Smith",
    "Chen",
    "Johnson",
    "Liu",
    "Brown",
    "Zhang",
    "Miller",
    "Huang",
    "Davis",
    "Lin",
    "Wilson",
]

INDUSTRIES = {  # industry: (weight in the population, fit contribution)
    "software": (0.18, 0.9),
    "pharma": (0.12, 0.85),
    "chemicals": (0.12, 0.75),
    "semiconductor": (0.08, 0.8),
    "finance": (0.10, 0.6),
    "automotive": (0.10, 0.6),
    "education": (0.10, 0.45),
    "real_estate": (0.08, 0.4),
    "retail": (0.07, 0.2),
    "other": (0.05, 0.1),
}
COMPANY_SIZES = {
    "1-49": (0.30, 0.1),
    "50-199": (0.25, 0.35),
    "200-999": (0.22, 0.6),
    "1000-4999": (0.14, 0.85),
    "5000+": (0.09, 1.0),
}
TITLES = {  # seniority: (weight, fit contribution, example titles)
    "c_level": (0.06, 1.0, ["CEO", "CTO", "总经理", "首席信息官"]),
    "vp": (0.07, 0.9, ["VP Sales", "副总裁", "VP of Engineering"]),
    "director": (0.14, 0.8, ["IT Director", "采购总监", "Head of Marketing", "研发总监"]),
    "manager": (0.28, 0.6, ["采购经理", "Product Manager", "IT Manager", "市场经理"]),
    "staff": (0.35, 0.3, ["工程师", "Data Analyst", "Specialist", "采购专员"]),
    "student": (0.10, 0.0, ["学生", "Student", "实习生"]),
}
CITIES = ["上海", "北京", "深圳", "广州", "杭州", "苏州", "成都", "南京", "武汉", "Shanghai", "Beijing"]
COMPANY_STEMS = [
    "华信",
    "中科",
    "博远",
    "Sino",
    "天成",
    "恒达",
    "New Bridge",
    "瑞康",
    "Apex",
    "蓝海",
    "金石",
    "Nova",
]
COMPANY_TAILS = ["科技", "医药", "化工", "Technologies", "集团", "汽车", "教育", "Capital", "半导体", "Labs"]
PERSONAL_DOMAINS = ["qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com"]
WECHAT_APPS = ("wx8a1b2c3d4e5f6a7b", "wx1f2e3d4c5b6a7980")  # service account, subscription account


@dataclass
class Person:
    """One demo person with latent traits and the true identifiers they own."""

    person_id: str
    name: str
    company: str
    industry: str
    company_size: str
    seniority: str
    title: str
    city: str
    phone: str  # 11-digit China mobile, unformatted
    email: str
    openids: dict[str, str] = field(default_factory=dict)  # app id -> openid
    unionid: str | None = None
    fit: float = 0.0
    intent: float = 0.0
    propensity: float = 0.0
    cookies: list[str] = field(default_factory=list)  # the website's anonymousId on each of their devices
    member_id: str | None = None  # the website's user id once they sign in


def _pick(rng: random.Random, table: dict) -> str:
    names = list(table)
    return rng.choices(names, weights=[table[n][0] for n in names])[0]


def _name(rng: random.Random) -> str:
    if rng.random() < 0.75:
        return rng.choice(SURNAMES_ZH) + "".join(rng.choice(GIVEN_ZH) for _ in range(rng.choice((1, 2))))
    return f"{rng.choice(FIRST_EN)} {rng.choice(LAST_EN)}"


def _wechat_id(rng: random.Random, prefix: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    return prefix + "".join(rng.choice(alphabet) for _ in range(28 - len(prefix)))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def make_people(n: int, rng: random.Random) -> list[Person]:
    """Gives n people with unique phones, emails and WeChat ids, and their latent fit, intent and propensity."""
    return list(iter_people(n, rng))


def iter_people(
    n: int, rng: random.Random, first: int = 0, shard: int = 0, shards: int = 1
) -> Iterator[Person]:
    """Yields n people one at a time (see make_people), so a generator can stream millions.

    Generated in `shards` parallel parts, part `shard` numbers its people from `first` and draws phone numbers
    and email numbers from its own residue class, so no two parts make the same identifier."""
    used_phones: set[str] = set()
    used_emails: set[str] = set()
    prefixes = [
        "135",
        "136",
        "137",
        "138",
        "139",
        "150",
        "151",
        "158",
        "159",
        "186",
        "187",
        "188",
        "177",
        "199",
    ]
    for i in range(first, first + n):
        industry, size, seniority = _pick(rng, INDUSTRIES), _pick(rng, COMPANY_SIZES), _pick(rng, TITLES)
        company = (
            rng.choice(COMPANY_STEMS)
            + rng.choice(COMPANY_TAILS)
            + (f" {i % 97}" if rng.random() < 0.5 else "")
        )
        phone = ""
        while not phone or phone in used_phones or phone == "13800138000":
            phone = rng.choice(prefixes) + f"{rng.randrange(10**8 // shards) * shards + shard:08d}"
        used_phones.add(phone)
        email = ""
        while not email or email in used_emails:
            local = f"{rng.choice(FIRST_EN).lower()}.{rng.randrange(10**6 // shards) * shards + shard}"
            domain = rng.choice(PERSONAL_DOMAINS) if rng.random() < 0.45 else f"corp{i}.com.cn"
            email = f"{local}@{domain}"
        used_emails.add(email)
        fit = 0.4 * INDUSTRIES[industry][1] + 0.3 * COMPANY_SIZES[size][1] + 0.3 * TITLES[seniority][1]
        intent = rng.betavariate(1.1, 3.5)
        propensity = _sigmoid(-5.2 + 6.0 * intent + 3.0 * fit)
        person = Person(
            person_id=f"P{i:07d}",
            name=_name(rng),
            company=company,
            industry=industry,
            company_size=size,
            seniority=seniority,
            title=rng.choice(TITLES[seniority][2]),
            city=rng.choice(CITIES),
            phone=phone,
            email=email,
            fit=round(fit, 4),
            intent=round(intent, 4),
            propensity=round(propensity, 4),
        )
        if rng.random() < 0.7:
            apps = WECHAT_APPS if rng.random() < 0.3 else (rng.choice(WECHAT_APPS),)
            person.openids = {app: _wechat_id(rng, "o") for app in apps}
            if rng.random() < 0.6:
                person.unionid = _wechat_id(rng, "u")
        yield person
