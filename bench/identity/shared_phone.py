"""Benchmark: 10,000 contacts sharing one junk phone the blocked_identifiers seed does not know.

On top of a small demo funnel, 10,000 different people each submit a form with their own email and the same
phone (connectors/demo/scenarios.py). None of them may be merged by it: the figure is how many of the 10,000
emails ended up sharing a contact with another (0 expected), and how the phone was screened.

    python -m bench.identity.shared_phone --contacts 10000
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb

from bench.identity.pipeline import IDENTITY_MODELS, load_landing, report, run_dbt
from connectors.demo import scenarios
from connectors.demo.generator import DemoConfig, generate


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=2_000, help="the demo funnel around them")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        generate(DemoConfig(people=args.people), home)
        phone = scenarios.shared_phone(home, contacts=args.contacts)
        load_landing(home)
        seconds_dbt = run_dbt(home, IDENTITY_MODELS)
        with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
            emails, contacts, merged = conn.execute(
                """
                select count(*), count(distinct contact_id),
                       count(*) filter (where n_on_contact > 1)
                from (
                    select contact_id, count(*) over (partition by contact_id) as n_on_contact
                    from marts.contact_identifiers
                    where id_type = 'email' and id_value like 'visitor%'
                ) as visitors
                """
            ).fetchone()
            status, reason = conn.execute(
                "select screen_status, screen_reason from intermediate.int_identity_identifiers_screened "
                "where identifier_key = ?",
                ["phone:" + phone],
            ).fetchone()
            phone_owner = conn.execute(
                "select count(*) from marts.contact_identifiers where identifier_key = ?", ["phone:" + phone]
            ).fetchone()[0]
    return report(
        "shared_phone",
        {
            "contacts_sharing_the_phone": args.contacts,
            "their_emails_resolved": emails,
            "distinct_contacts_of_those_emails": contacts,
            "emails_merged_with_another": merged,
            "phone_screen_status": status,
            "phone_screen_reason": reason,
            "contacts_holding_the_phone": phone_owner,
            "seconds_dbt_identity_models": round(seconds_dbt, 1),
        },
    )


if __name__ == "__main__":
    main()
