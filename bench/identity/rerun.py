"""Benchmark: stable contact ids when 1% new data arrives (default 100,000 people).

Generates the funnel, holds back a random 1% of the landed records, builds identity, then lets the held-back
records arrive and builds again. For every contact of the first run it checks whether any of its identifiers
now belongs to another contact id. Changes that are merges logged in contact_merges whose survivor holds only
one true person's identifiers are true merges and set aside; every other change counts.

    python -m bench.identity.rerun --people 100000 --late 0.01
"""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from pathlib import Path

import duckdb

from bench.identity.pipeline import IDENTITY_MODELS, load_landing, report, run_dbt
from connectors.demo import scenarios
from connectors.demo.generator import DemoConfig, generate
from ml.identity.quality import read_truth


def _assignment(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return dict(
            conn.execute("select identifier_key, contact_id from marts.contact_identifiers").fetchall()
        )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument(
        "--late", type=float, default=0.01, help="share of records arriving in the second run"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        generate(DemoConfig(people=args.people), home)
        scenarios.hold_back(home, fraction=args.late)
        load_landing(home)
        seconds_first = run_dbt(home, IDENTITY_MODELS)
        before = _assignment(home / "warehouse.duckdb")
        scenarios.release(home)
        load_landing(home)
        seconds_second = run_dbt(home, IDENTITY_MODELS)
        after = _assignment(home / "warehouse.duckdb")
        truth = read_truth(home / "ground_truth")
        with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
            events = dict(
                conn.execute(
                    "select event_type, count(*) from marts.contact_merges where generation = 2 group by 1"
                ).fetchall()
            )
            merged_into = dict(
                conn.execute(
                    "select other_contact_id, contact_id from marts.contact_merges "
                    "where event_type = 'merge' and generation = 2"
                ).fetchall()
            )
    people_of_contact: dict[str, set] = defaultdict(set)
    for key, contact in after.items():
        person = truth.get(tuple(key.split(":", 1)))
        if person:
            people_of_contact[contact].add(person)
    contacts_before: dict[str, set] = defaultdict(set)
    for key, contact in before.items():
        contacts_before[contact].add(key)
    changed, true_merges = set(), set()
    for contact, keys in contacts_before.items():
        moved = {after[k] for k in keys if k in after and after[k] != contact}
        if not moved:
            continue
        survivor = merged_into.get(contact)
        if survivor and moved == {survivor} and len(people_of_contact[survivor]) <= 1:
            true_merges.add(contact)
        else:
            changed.add(contact)
    return report(
        "rerun",
        {
            "people": args.people,
            "late_share": args.late,
            "contacts_first_run": len(contacts_before),
            "contacts_second_run": len(set(after.values())),
            "contacts_changed_by_true_merges": len(true_merges),
            "contacts_changed_otherwise": len(changed),
            "share_changed_otherwise": round(len(changed) / max(len(contacts_before), 1), 6),
            "ledger_events_second_run": events,
            "seconds_dbt_first_run": round(seconds_first, 1),
            "seconds_dbt_second_run": round(seconds_second, 1),
        },
    )


if __name__ == "__main__":
    main()
