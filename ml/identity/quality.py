"""`yuchi-identity-quality`: how well identity resolution matches the demo generator's ground truth.

Pairwise measures over identifiers both sides know (ground_truth/identifiers.csv plus scenario truth, and
marts.contact_identifiers): a pair of identifiers is predicted when they share a contact and true when they
share a person.
  precision   predicted pairs that are true (a wrong merge costs precision);
  recall      true pairs that are predicted (a person left in pieces costs recall);
  reachable_recall  recall over the true pairs that the records themselves connect (a chain of records,
              each carrying identifiers of that one person): what deterministic stitching can find at best.
  missed_pairs_by_types   the true pairs not predicted, by the two identifier types ("email+wechat_openid"),
              and no_evidence_pairs_by_types the part of them no chain of records connects: where recall goes.
Junk identifiers are in nobody's truth: they only matter through the wrong merges they cause.

    yuchi-identity-quality [--home DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from connectors.settings import resolve_paths
from ml.identity.union_find import UnionFind

TRUTH_FILES = ("identifiers.csv", "scenario_identifiers.csv")


@dataclass(frozen=True)
class IdentityQuality:
    """Pairwise quality of identifier-to-person assignment."""

    identifiers_in_truth: int
    identifiers_resolved: int
    identifiers_compared: int
    people: int
    contacts: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    reachable_pairs: int
    reachable_correct_pairs: int
    missed_pairs_by_types: dict[str, int] = field(default_factory=dict)
    no_evidence_pairs_by_types: dict[str, int] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def reachable_recall(self) -> float:
        return self.reachable_correct_pairs / self.reachable_pairs if self.reachable_pairs else 1.0

    def as_dict(self) -> dict:
        figures = {k: round(getattr(self, k), 5) for k in ("precision", "recall", "f1", "reachable_recall")}
        return figures | asdict(self)


def read_truth(ground_truth: Path) -> dict[tuple[str, str], str]:
    """Gives the true person of every (id_type, id_value) the generator and scenarios wrote."""
    truth: dict[tuple[str, str], str] = {}
    for name in TRUTH_FILES:
        path = ground_truth / name
        if path.exists():
            with path.open(encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    truth[(row["id_type"], row["id_value"])] = row["person_id"]
    if not truth:
        raise FileNotFoundError(f"no ground truth in {ground_truth} (expected {', '.join(TRUTH_FILES)})")
    return truth


def _pairs(counts: Counter) -> int:
    return sum(n * (n - 1) // 2 for n in counts.values())


def _type_pairs(type_counts: dict[object, Counter]) -> Counter:
    """Gives the pairs within each group by their two identifier types, given each group's count per type."""
    pairs: Counter = Counter()
    for counts in type_counts.values():
        types = sorted(counts)
        for i, a in enumerate(types):
            pairs[f"{a}+{a}"] += counts[a] * (counts[a] - 1) // 2
            for b in types[i + 1 :]:
                pairs[f"{a}+{b}"] += counts[a] * counts[b]
    return pairs


def _lost_pairs(everything: dict, kept: dict) -> dict[str, int]:
    lost = _type_pairs(everything) - _type_pairs(kept)
    return dict(sorted(lost.items(), key=lambda item: (-item[1], item[0])))


def measure(
    truth: dict[tuple[str, str], str],
    resolved: dict[tuple[str, str], str],
    record_identifiers: dict[str, list[tuple[str, str]]],
) -> IdentityQuality:
    """Gives the pairwise quality of `resolved` (identifier -> contact) against `truth` (identifier -> person);
    `record_identifiers` (record -> its identifiers) tells which true pairs the records connect."""
    common = truth.keys() & resolved.keys()
    by_person, by_contact, by_both = Counter(), Counter(), Counter()
    for key in common:
        by_person[truth[key]] += 1
        by_contact[resolved[key]] += 1
        by_both[(truth[key], resolved[key])] += 1
    reachable = UnionFind()
    for identifiers in record_identifiers.values():
        owned = [key for key in identifiers if key in common]
        people = {truth[key] for key in owned}
        if len(people) == 1:
            for key in owned[1:]:
                reachable.union(owned[0], key)
    by_group, by_group_contact = Counter(), Counter()
    types_by_person, types_by_contact, types_by_group = (defaultdict(Counter) for _ in range(3))
    for key in common:
        group = reachable.find(key)
        by_group[group] += 1
        by_group_contact[(group, resolved[key])] += 1
        types_by_person[truth[key]][key[0]] += 1
        types_by_contact[(truth[key], resolved[key])][key[0]] += 1
        types_by_group[group][key[0]] += 1
    return IdentityQuality(
        identifiers_in_truth=len(truth),
        identifiers_resolved=len(resolved),
        identifiers_compared=len(common),
        people=len(by_person),
        contacts=len(by_contact),
        true_pairs=_pairs(by_person),
        predicted_pairs=_pairs(by_contact),
        correct_pairs=_pairs(by_both),
        reachable_pairs=_pairs(by_group),
        reachable_correct_pairs=_pairs(by_group_contact),
        missed_pairs_by_types=_lost_pairs(types_by_person, types_by_contact),
        no_evidence_pairs_by_types=_lost_pairs(types_by_person, types_by_group),
    )


def measure_warehouse(warehouse: Path, ground_truth: Path) -> IdentityQuality:
    """Gives the quality of the identity resolution in `warehouse` against the truth in `ground_truth`."""
    truth = read_truth(ground_truth)
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        resolved = {
            (t, v): c
            for t, v, c in conn.execute(
                "select id_type, id_value, contact_id from marts.contact_identifiers"
            ).fetchall()
        }
        record_identifiers: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for record_id, id_type, id_value in conn.execute(
            "select record_id, id_type, id_value from intermediate.int_identity_edges"
        ).fetchall():
            record_identifiers[record_id].append((id_type, id_value))
    return measure(truth, resolved, record_identifiers)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="yuchi-identity-quality", description=__doc__.splitlines()[0])
    parser.add_argument("--home", help="YUCHI_HOME (default: $YUCHI_HOME or .yuchi/)")
    args = parser.parse_args(argv)
    paths = resolve_paths(args.home)
    quality = measure_warehouse(paths.warehouse, paths.ground_truth)
    figures = quality.as_dict()
    print(
        f"precision {quality.precision:.4f}  recall {quality.recall:.4f}  F1 {quality.f1:.4f}  "
        f"reachable recall {quality.reachable_recall:.4f}  "
        f"({quality.identifiers_compared} identifiers, {quality.people} people, {quality.contacts} contacts)"
    )
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
