"""Generates the demo funnel into the landing folder, and the ground truth beside it.

Seeded and reproducible: the same config gives byte-identical files. Ground truth (the person behind every
identifier and record, the true propensity, which rows were deliberately broken) goes to ground_truth/, which
the pipeline never reads; tests and benchmarks compare the warehouse against it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from connectors import identifiers as ids
from connectors.demo import mess
from connectors.demo.channels import Emitted, Journey
from connectors.demo.people import make_people
from connectors.sources import ALL_ENTITIES

CHINA = timezone(timedelta(hours=8))
ENTITIES = {e.table: e for e in ALL_ENTITIES}
FILE_STEMS = {
    "web_forms_submissions": "submissions",
    "wechat_events": "events",
    "webinars_registrations": "registrations",
    "webinars_attendance": "attendance",
    "crm_outcomes": "outcomes",
}
NORMALISE = {"phone": ids.normalize_phone, "email": ids.normalize_email}


@dataclass(frozen=True)
class DemoConfig:
    """What to generate: how many people, over how many days, with how much mess."""

    people: int = 20000
    seed: int = 7
    days: int = 120
    end: datetime = datetime(2026, 11, 1, tzinfo=CHINA)
    junk_rate: float = 0.03
    invalid_rate: float = 0.02
    duplicate_rate: float = 0.02


def generate(config: DemoConfig, home: Path) -> dict:
    """Writes landing files under home/landing and ground truth under home/ground_truth; gives the counts."""
    rng = random.Random(config.seed)
    start = config.end - timedelta(days=config.days)
    people = make_people(config.people, rng)
    records: list[Emitted] = []
    crm_number = 0
    for person in people:
        journey = Journey(person, start, config.end, rng, config.junk_rate)
        records += journey.run()
        outcome = journey.crm_outcome(crm_number)
        if outcome:
            crm_number += 1
            records.append(outcome)
    records = [r for r in records if r.occurred_at < config.end]
    records += [
        _duplicate(r) for r in records if rng.random() < config.duplicate_rate and r.table != "crm_outcomes"
    ]
    for record in records:
        if rng.random() < config.invalid_rate:
            _break(record, rng)
    truth = _write_landing(records, home / "landing", config)
    summary = _write_truth(people, records, truth, home / "ground_truth", config)
    return summary


def _duplicate(record: Emitted) -> Emitted:
    return Emitted(
        record.table,
        record.occurred_at,
        dict(record.payload),
        record.person_id,
        identifiers=list(record.identifiers),
    )


def _break(record: Emitted, rng: random.Random) -> None:
    """Corrupts one record the way real exports go wrong; the loader must quarantine it."""
    entity = ENTITIES[record.table]
    time_field = next(
        f.name for f in entity.fields if f.kind in ("timestamp", "epoch_seconds") and f.required
    )
    choice = rng.choice(["timestamp", "required", "identifier", "syntax"])
    if choice == "timestamp":
        record.payload[time_field] = rng.choice(["yesterday", "2026-13-45 25:00", "下午三点"])
    elif choice == "required":
        required = [f.name for f in entity.fields if f.required and f.name != time_field]
        record.payload[rng.choice(required)] = ""
    elif choice == "identifier":
        for ident in entity.identifier_fields:
            record.payload[ident.name] = None
        first = entity.identifier_fields[0]
        if first.id_type in ("phone", "email"):
            record.payload[first.name] = "12345" if first.id_type == "phone" else "not-an-email"
        elif first.id_type == "crm_id":
            record.payload[first.name] = ""  # crm_id is also required: the row has nothing to key it
    record.invalid_reason = choice


def _serialise(record: Emitted, fields: list[str], csv_file: bool) -> str:
    if not csv_file:
        text = json.dumps(record.payload, ensure_ascii=False)
        return text[: len(text) // 2] if record.invalid_reason == "syntax" else text
    cells = ["" if record.payload.get(f) is None else str(record.payload[f]) for f in fields]
    if record.invalid_reason == "syntax":
        cells.append("stray cell")
    buffer = io.StringIO()
    csv.writer(buffer).writerow(cells)
    return buffer.getvalue().rstrip("\r\n")


def _write_landing(records: list[Emitted], landing: Path, config: DemoConfig) -> list[dict]:
    by_file: dict[Path, list[Emitted]] = defaultdict(list)
    for record in records:
        entity = ENTITIES[record.table]
        stem = FILE_STEMS[record.table]
        if record.table == "crm_outcomes":
            name = f"{stem}-{config.end.date().isoformat()}"
        else:
            year, week, _ = record.occurred_at.isocalendar()
            name = f"{stem}-{year}W{week:02d}"
        suffix = entity.file_glob.rsplit(".", 1)[-1]
        by_file[landing / entity.channel / f"{name}.{suffix}"].append(record)
    truth = []
    for path, rows in sorted(by_file.items()):
        path.parent.mkdir(parents=True, exist_ok=True)
        entity = ENTITIES[rows[0].table]
        fields = [f.name for f in entity.fields]
        csv_file = path.suffix == ".csv"
        rows.sort(key=lambda r: r.occurred_at)
        lines = [_serialise(r, fields, csv_file) for r in rows]
        if csv_file:
            header = io.StringIO()
            csv.writer(header).writerow(fields)
            lines = [header.getvalue().rstrip("\r\n")] + lines
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        offset = 2 if csv_file else 1
        for i, (record, text) in enumerate(zip(rows, lines[offset - 1 :], strict=True)):
            truth.append(
                {
                    "source_table": record.table,
                    "source_file": str(path),
                    "source_line": i + offset,
                    "record_hash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    "person_id": record.person_id,
                    "broken": record.invalid_reason or "",
                }
            )
    return truth


def _normalised(id_type: str, raw: str) -> str | None:
    normalise = NORMALISE.get(id_type)
    return normalise(raw).value if normalise else raw


def _write_truth(people, records, record_truth, folder: Path, config: DemoConfig) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    owner: dict[tuple[str, str], str] = {}
    for record in records:
        if record.invalid_reason:
            continue
        for id_type, raw in record.identifiers:
            value = _normalised(id_type, raw)
            if value:
                owner[(id_type, value)] = record.person_id
    _write_csv(
        folder / "identifiers.csv",
        ["id_type", "id_value", "person_id"],
        [[t, v, p] for (t, v), p in sorted(owner.items())],
    )
    seen = {r.person_id for r in records if not r.invalid_reason}
    person_rows = [
        asdict(p) | {"openids": json.dumps(p.openids), "appears_in_data": p.person_id in seen} for p in people
    ]
    _write_csv(folder / "people.csv", list(person_rows[0]), [list(r.values()) for r in person_rows])
    _write_csv(folder / "records.csv", list(record_truth[0]), [list(r.values()) for r in record_truth])
    junk = [("phone", _normalised("phone", p)) for p in mess.JUNK_PHONES] + [
        ("email", e) for e in mess.JUNK_EMAILS
    ]
    _write_csv(folder / "junk_identifiers.csv", ["id_type", "id_value"], [[t, v] for t, v in junk if v])
    per_table = Counter(r["source_table"] for r in record_truth)
    broken = Counter(r["source_table"] for r in record_truth if r["broken"])
    summary = {
        "config": {k: str(v) for k, v in asdict(config).items()},
        "people": len(people),
        "people_in_data": len(seen),
        "records": dict(per_table),
        "broken_records": dict(broken),
        "identifiers": len(owner),
        "linkable_contacts": _linkable_contacts(records),
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    return summary


def _linkable_contacts(records: list[Emitted]) -> int:
    """The contacts a perfect deterministic stitcher finds: per person, the groups of identifiers that valid
    records tie together. A person whose WeChat follow never met their phone or email is two contacts, and no
    deterministic method can do better."""
    parent: dict[tuple, tuple] = {}

    def find(node: tuple) -> tuple:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for record in records:
        if record.invalid_reason or record.person_id is None:
            continue
        nodes = [(record.person_id, t, v) for t, raw in record.identifiers if (v := _normalised(t, raw))]
        for node in nodes:
            find(node)
        for node in nodes[1:]:
            parent[find(node)] = find(nodes[0])
    return len({find(node) for node in list(parent)})


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
