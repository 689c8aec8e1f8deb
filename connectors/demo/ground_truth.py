"""The demo's ground truth, written as people stream through: who is behind every record and identifier.

Files under ground_truth/ (never read by the pipeline):
- people.csv: every person with latent fit, intent and propensity, and whether any valid record of theirs landed;
- records.csv: every landed record: table, file, line, hash, person, and how it was broken (empty if valid);
- identifiers.csv: every identifier (normalised, as identifier values are stored) and its person;
- referrals.csv: every record that came through someone's share, and the sharer;
- junk_identifiers.csv: the shared junk values that must never link people;
- summary.json: counts, and the number of contacts a perfect deterministic stitcher finds.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import Counter
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path

from connectors import identifiers as ids
from connectors.demo import mess
from connectors.demo.channels import Emitted
from connectors.demo.landing_files import Landed

NORMALISE = {"phone": ids.normalize_phone, "email": ids.normalize_email}


@lru_cache(maxsize=1 << 18)
def normalised(id_type: str, raw: str) -> str | None:
    """Gives the identifier value the warehouse stores for a true identifier of a person."""
    normalise = NORMALISE.get(id_type)
    return normalise(raw).value if normalise else raw


class TruthWriter:
    """Streams the ground-truth files; `close` writes the summary and gives it."""

    def __init__(self, folder: Path, config) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder, self.config = folder, config
        self._files = {}
        self._writers = {}
        for name, header in (
            ("records", ["source_table", "source_file", "source_line", "record_hash", "person_id", "broken"]),
            ("identifiers", ["id_type", "id_value", "person_id"]),
            ("referrals", ["source_file", "source_line", "referrer_person_id", "referrer_key"]),
            ("people", None),
        ):
            self._files[name] = (folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
            self._writers[name] = csv.writer(self._files[name])
            if header:
                self._writers[name].writerow(header)
        self.per_table: Counter = Counter()
        self.broken: Counter = Counter()
        self.people = self.people_in_data = self.identifiers = self.linkable = 0
        self._seen_identifiers: set[int] = set()  # hashes: a million people's identifiers in little memory

    def record(self, record: Emitted, landed: Landed) -> None:
        self.per_table[record.table] += 1
        if record.invalid_reason:
            self.broken[record.table] += 1
        self._writers["records"].writerow(
            [
                record.table,
                landed.path,
                landed.line,
                landed.record_hash,
                record.person_id,
                record.invalid_reason or "",
            ]
        )
        if record.referrer and not record.invalid_reason:
            self._writers["referrals"].writerow([landed.path, landed.line, *record.referrer])

    def person(self, person, records: list[Emitted]) -> None:
        """Writes a person's truth once their records landed: identifiers, linkable groups, the people row."""
        valid = [r for r in records if not r.invalid_reason]
        groups = _linkable_groups(valid)
        self.people += 1
        self.people_in_data += bool(valid)
        self.linkable += groups
        for record in valid:
            for id_type, raw in record.identifiers:
                value = normalised(id_type, raw)
                key = hash((id_type, value))
                if value and key not in self._seen_identifiers:
                    self._seen_identifiers.add(key)
                    self.identifiers += 1
                    self._writers["identifiers"].writerow([id_type, value, person.person_id])
        row = dict(vars(person)) | {
            "openids": json.dumps(person.openids),
            "cookies": json.dumps(person.cookies),
            "appears_in_data": bool(valid),
        }
        if self.people == 1:
            self._writers["people"].writerow(list(row))
        self._writers["people"].writerow(list(row.values()))

    def close(self) -> dict:
        for handle in self._files.values():
            handle.close()
        summary = {
            "config": {k: str(v) for k, v in asdict(self.config).items()},
            "people": self.people,
            "people_in_data": self.people_in_data,
            "records": dict(self.per_table),
            "broken_records": dict(self.broken),
            "identifiers": self.identifiers,
            "linkable_contacts": self.linkable,
        }
        _write_junk_and_summary(self.folder, summary)
        return summary


def _write_junk_and_summary(folder: Path, summary: dict) -> None:
    junk = [("phone", normalised("phone", p)) for p in mess.JUNK_PHONES] + [
        ("email", e) for e in mess.JUNK_EMAILS
    ]
    with (folder / "junk_identifiers.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id_type", "id_value"])
        writer.writerows([t, v] for t, v in junk if v)
    text = json.dumps(summary, indent=2, ensure_ascii=False)
    (folder / "summary.json").write_text(text, encoding="utf-8")


def merge_parts(folder: Path, summaries: list[dict], config) -> dict:
    """Joins the ground truth that parallel parts wrote under folder/parts/ into one set of files."""
    parts = sorted((folder / "parts").iterdir())
    for name in ("records", "identifiers", "referrals", "people"):
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as target:
            for n, part in enumerate(parts):
                with (part / f"{name}.csv").open(encoding="utf-8", newline="") as source:
                    header = source.readline()
                    if n == 0:
                        target.write(header)
                    shutil.copyfileobj(source, target)
    shutil.rmtree(folder / "parts")
    summary = {"config": {k: str(v) for k, v in asdict(config).items()}}
    for key in ("people", "people_in_data", "identifiers", "linkable_contacts"):
        summary[key] = sum(s[key] for s in summaries)
    for key in ("records", "broken_records"):
        total: Counter = Counter()
        for s in summaries:
            total.update(s[key])
        summary[key] = dict(total)
    _write_junk_and_summary(folder, summary)
    return summary


def _linkable_groups(valid: list[Emitted]) -> int:
    """The contacts a perfect deterministic stitcher finds for one person: the groups of identifiers their valid
    records tie together. A person whose WeChat follow never met their phone or email is two contacts, and no
    deterministic method can do better."""
    parent: dict[tuple, tuple] = {}

    def find(node: tuple) -> tuple:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for record in valid:
        if record.person_id is None:
            continue
        nodes = [(t, v) for t, raw in record.identifiers if (v := normalised(t, raw))]
        for node in nodes:
            find(node)
        for node in nodes[1:]:
            parent[find(node)] = find(nodes[0])
    return len({find(node) for node in list(parent)})
