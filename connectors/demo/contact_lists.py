"""Contact lists marketers upload after trade shows: the exhibitor's lead scanner export (XLSX, Chinese
headers), a purchased list (CSV, Chinese headers) and a partner's list (CSV, English headers). Rows are messy:
phones stored as numbers, missing fields, rows with only a name and a company. Every list dates its rows (when
the person was collected): an undated row would be dated when it is loaded, and generated data would then
score differently on every day it is loaded."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from connectors.demo import mess

if TYPE_CHECKING:
    from connectors.demo.channels import Journey

LISTS = {  # file name: (header row, field of each header)
    "2026-10-expo-shanghai-booth-scans.xlsx": (
        ["编号", "姓名", "手机号", "邮箱", "公司名称", "职位", "城市", "登记时间", "备注"],
        ["external_id", "name", "phone", "email", "company", "title", "city", "collected_at", "notes"],
    ),
    "2026-09-industry-directory.csv": (
        ["客户编号", "联系人", "联系电话", "电子邮箱", "单位", "职务", "行业", "来源", "日期"],
        ["external_id", "name", "phone", "email", "company", "title", "industry", "source", "collected_at"],
    ),
    "2026-08-partner-leads.csv": (
        ["ID", "Name", "Mobile", "E-mail", "Company", "Title", "Consent", "Date"],
        ["external_id", "name", "phone", "email", "company", "title", "consent", "collected_at"],
    ),
}


class ListBook:
    """The uploaded lists: who is on which, with their list-scoped ids."""

    def __init__(self, part: str = "") -> None:
        self.next_id = {name: 1 for name in LISTS}
        self.part = part  # a generator part writes its own list files: their ids are scoped apart

    def add(self, j: Journey, when: datetime, list_name: str) -> None:
        """Puts the person on a list as a marketer would receive them."""
        rng, p = j.rng, j.p
        header, fields = LISTS[list_name]
        stem, extension = list_name.rsplit(".", 1)
        list_id = f"{stem}-{self.part}" if self.part else stem
        number = self.next_id[list_name]
        self.next_id[list_name] += 1
        external = f"L{number:06d}"
        values = {
            "external_id": external,
            "name": mess.typo_name(p.name, rng),
            "phone": mess.messy_phone(p.phone, rng) if rng.random() < 0.85 else None,
            "email": mess.messy_email(p.email, rng) if rng.random() < 0.6 else None,
            "company": p.company,
            "title": mess.maybe_blank(p.title, rng, 0.3),
            "city": mess.maybe_blank(p.city, rng, 0.5),
            "industry": mess.maybe_blank(p.industry, rng, 0.5),
            "collected_at": when.strftime("%Y-%m-%d %H:%M:%S+08:00"),
            "source": "展会" if "expo" in list_name else "名录",
            "consent": rng.choice(("yes", "no", "")),
            "notes": rng.choice(("", "", "对 LIMS 感兴趣", "需要报价")),
        }
        truth = [("external_id", f"{list_id}:{external}")]
        truth += [("phone", p.phone)] if values["phone"] else []
        truth += [("email", p.email)] if values["email"] else []
        if rng.random() < 0.03:  # a row keyed by nothing at all: the external id column left empty too
            values.update(external_id=None, phone=None, email=None)
            truth = []
        payload = {h: values.get(f) for h, f in zip(header, fields, strict=True)}
        file_key = f"{list_id}.{extension}"
        record = j.emit("contact_lists_contacts", when, payload, truth, file_key=file_key, header=header)
        if not truth:
            record.invalid_reason = "no_identifier"

    def add_from_booth(self, j: Journey, when: datetime, event_id: str) -> None:
        if event_id == "ev2026-expo-sh" and j.rng.random() < 0.6:
            self.add(j, when, "2026-10-expo-shanghai-booth-scans.xlsx")


def list_touch(j: Journey, when: datetime) -> None:
    """Shows up on a purchased or partner list."""
    j.world.lists.add(j, when, j.rng.choice(["2026-09-industry-directory.csv", "2026-08-partner-leads.csv"]))
