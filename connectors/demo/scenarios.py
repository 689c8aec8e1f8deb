"""Identity scenarios on top of the demo funnel, for the identity tests and benchmarks.

Each scenario writes ordinary landing files (the channel's landing contract, nothing special for the
pipeline) and its own ground truth next to the generator's, in ground_truth/scenario_identifiers.csv:
- unlisted_junk: people type valid-looking shared values the blocked_identifiers seed does not know (a
  switchboard number, an info@ mailbox); only automatic shared-identifier detection can stop them merging;
- shared_phone: thousands of different people all typing one phone number;
- hold_back / release: a share of the landed records arrives only in a later run (rerun stability).
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from connectors import identifiers as ids
from connectors.sources.web_forms import SUBMISSIONS

CHINA = timezone(timedelta(hours=8))
UNLISTED_JUNK_PHONES = ("13511112222", "18612345670", "13900001111")
UNLISTED_JUNK_EMAILS = ("info@company.cn", "hr@corp.com", "sales@163.com")
SCENARIO_TRUTH = "scenario_identifiers.csv"


def _append_truth(home: Path, rows: list[tuple[str, str, str]]) -> None:
    """Adds (id_type, normalised value, person_id) rows to the scenario ground truth."""
    path = home / "ground_truth" / SCENARIO_TRUTH
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists()
    with path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(["id_type", "id_value", "person_id"])
        writer.writerows(rows)


def write_form_submissions(home: Path, name: str, payloads: list[dict]) -> Path:
    """Writes web form submissions as one landing file (landing/web_forms/<name>.jsonl); gives its path."""
    fields = [f.name for f in SUBMISSIONS.fields]
    path = home / "landing" / SUBMISSIONS.channel / f"{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for payload in payloads:
            handle.write(json.dumps({f: payload.get(f) for f in fields}, ensure_ascii=False) + "\n")
    return path


def _submission(rng: random.Random, when: datetime, **fields) -> dict:
    return {
        "submission_id": f"fs_{rng.randrange(16**12):012x}",
        "form_id": rng.choice(["contact_us", "whitepaper_digital_lab", "event_signup"]),
        "submitted_at": when.isoformat(timespec="seconds"),
        "page_url": "https://www.example.cn/lp/contact_us",
    } | fields


def _people(home: Path) -> list[dict]:
    with (home / "ground_truth" / "people.csv").open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["appears_in_data"] == "True"]


def unlisted_junk(home: Path, share: float = 0.02, seed: int = 5, end: datetime | None = None) -> int:
    """Adds form submissions where a share of the people typed their own email with a shared unlisted junk
    phone, or their own phone with a shared unlisted junk mailbox; gives how many were written."""
    rng = random.Random(seed)
    end = end or datetime(2026, 11, 1, tzinfo=CHINA)
    payloads, truth = [], []
    for person in _people(home):
        if rng.random() >= share:
            continue
        when = end - timedelta(days=rng.uniform(1, 90))
        common = {"name": person["name"], "company": person["company"], "title": person["title"]}
        if rng.random() < 0.5:
            payloads.append(
                _submission(
                    rng, when, phone=rng.choice(UNLISTED_JUNK_PHONES), email=person["email"], **common
                )
            )
            truth.append(("email", ids.normalize_email(person["email"]).value, person["person_id"]))
        else:
            payloads.append(
                _submission(
                    rng, when, phone=person["phone"], email=rng.choice(UNLISTED_JUNK_EMAILS), **common
                )
            )
            truth.append(("phone", ids.normalize_phone(person["phone"]).value, person["person_id"]))
    write_form_submissions(home, "submissions-unlisted-junk", payloads)
    _append_truth(home, truth)
    return len(payloads)


def shared_phone(
    home: Path, contacts: int = 10000, phone: str = "13522223333", seed: int = 9, end: datetime | None = None
) -> str:
    """Adds `contacts` different people, each submitting one form with their own email and name and the same
    phone; gives the normalised phone. None of them may be merged by it."""
    rng = random.Random(seed)
    end = end or datetime(2026, 11, 1, tzinfo=CHINA)
    payloads, truth = [], []
    for n in range(contacts):
        email = f"visitor{n:06d}.{rng.randrange(10**6):06d}@example-corp{n % 50}.cn"
        when = end - timedelta(minutes=rng.randrange(90 * 24 * 60))
        payloads.append(_submission(rng, when, name=f"访客{n:06d}", phone=phone, email=email))
        truth.append(("email", email, f"S{n:07d}"))
    write_form_submissions(home, "submissions-shared-phone", payloads)
    _append_truth(home, truth)
    return ids.normalize_phone(phone).value


LINE_RECORD_SUFFIXES = (".csv", ".jsonl")  # one record a line (CSV after its header row)


def hold_back(home: Path, fraction: float = 0.01, seed: int = 3) -> Path:
    """Moves a random `fraction` of the landed records out of landing/ into held_back/ (same channel folders,
    files named '<stem>-late<suffix>'), as if they arrived after the next run; gives the held_back folder.

    Line-record files (CSV, JSON lines) are split by record; a file that is one unit (a WeChat XML push, a
    spreadsheet) arrives late whole, with the same chance."""
    rng = random.Random(seed)
    landing, held = home / "landing", home / "held_back"
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        target = held / path.parent.relative_to(landing) / f"{path.stem}-late{path.suffix}"
        if path.suffix not in LINE_RECORD_SUFFIXES:
            if rng.random() < fraction:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(path), target)
            continue
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        header = lines[:1] if path.suffix == ".csv" else []
        body = lines[len(header) :]
        is_late = [rng.random() < fraction for _ in body]
        if not any(is_late):
            continue
        kept = [line for line, late in zip(body, is_late, strict=True) if not late]
        late = [line for line, late in zip(body, is_late, strict=True) if late]
        path.write_text("\n".join(header + kept) + "\n", encoding="utf-8")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(header + late) + "\n", encoding="utf-8")
    return held


def release(home: Path) -> int:
    """Moves the held-back files into landing/ (the late data arrives); gives how many files moved."""
    held, landing = home / "held_back", home / "landing"
    moved = 0
    for path in sorted(p for p in held.rglob("*") if p.is_file()):
        target = landing / path.relative_to(held)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), target)
        moved += 1
    return moved
