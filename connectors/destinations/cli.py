"""yuchi-activation: what a marketing-ops person does by hand around syncs.

    yuchi-activation status                      recent sync runs and records waiting for a retry
    yuchi-activation confirm mqls:hubspot --max-leaving 420 --by li.na --note "list cleaned up"
    yuchi-activation erase --email ann@example.cn --phone 13800000001 --reason "PIPL art. 47 request #123"

`erase` records the request; materializing activation/erasure_requests (or its automation) carries it out.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from connectors.destinations import erasure
from connectors.destinations.sync.runner import confirm
from connectors.settings import resolve_paths
from connectors.warehouse_gate import WarehouseBusyError, warehouse_gate

GATE_WAIT_SECONDS = 30.0
"""How long a command waits for a run's step to let go of the warehouse (steps that write hold it longer)."""


@contextmanager
def _connect(read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    path = resolve_paths().warehouse
    if not path.exists():
        sys.exit(f"no warehouse at {path}: run the pipeline first (make demo) or set YUCHI_HOME")
    try:
        with warehouse_gate(path, shared=read_only, wait_seconds=GATE_WAIT_SECONDS):
            with duckdb.connect(str(path), read_only=read_only) as conn:
                yield conn
    except WarehouseBusyError as exc:
        sys.exit(f"{exc}: try again when the run's step is done")
    except duckdb.IOException as exc:
        sys.exit(f"the warehouse {path} is busy (held by a process outside Yuchi?): {exc}")


def _status(args: argparse.Namespace) -> None:
    with _connect(read_only=True) as conn:
        _print_status(conn, args.limit)


def _print_status(conn: duckdb.DuckDBPyConnection, limit: int) -> None:
    runs = conn.execute(
        "select sync_key, status, started_at, planned, succeeded, failed, suppressed, deferred, "
        "coalesce(message, '') from activation.sync_runs order by started_at desc limit ?",
        [limit],
    ).fetchall()
    print(f"{'sync':40} {'status':10} {'started':19} planned ok failed suppressed deferred")
    for key, status, started, planned, ok, failed, suppressed, deferred, message in runs:
        print(
            f"{key:40} {status:10} {started:%Y-%m-%d %H:%M:%S} {planned} {ok} {failed} {suppressed} {deferred} {message}"
        )
    waiting = conn.execute(
        "select sync_key, status, count(*), any_value(reason) from activation.sync_failures "
        "where resolved_at is null group by 1, 2 order by 1"
    ).fetchall()
    if waiting:
        print("\nrecords not delivered yet (retried on later runs unless unknown):")
        for key, status, count, reason in waiting:
            print(f"  {key}: {count} {status}, e.g. {reason}")


def _confirm(args: argparse.Namespace) -> None:
    with _connect() as conn:
        confirm(conn, args.sync_key, args.max_leaving, args.by, args.note)
    print(f"confirmed: the next sync of {args.sync_key} may remove up to {args.max_leaving} members once")


def _erase(args: argparse.Namespace) -> None:
    identifiers = {
        "email": args.email or [],
        "phone": args.phone or [],
        "wechat_openid": args.openid or [],
        "wechat_unionid": args.unionid or [],
    }
    with _connect() as conn:
        try:
            request_id = erasure.submit(
                conn, {k: v for k, v in identifiers.items() if v}, args.contact_id or [], args.reason, "cli"
            )
        except ValueError as exc:
            sys.exit(str(exc))
    print(f"{request_id} recorded; materialize activation/erasure_requests to carry it out")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="yuchi-activation", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    status = commands.add_parser("status", help="recent sync runs and records waiting for a retry")
    status.add_argument("--limit", type=int, default=20)
    status.set_defaults(run=_status)
    confirmation = commands.add_parser("confirm", help="let an anomalous removal through once")
    confirmation.add_argument("sync_key", help="<segment>:<destination>[:<campaign>], as the check names it")
    confirmation.add_argument("--max-leaving", type=int, required=True)
    confirmation.add_argument("--by", required=True, help="who checked the plan")
    confirmation.add_argument("--note", default="")
    confirmation.set_defaults(run=_confirm)
    erase = commands.add_parser("erase", help="record a deletion request (PIPL art. 47, GDPR art. 17)")
    erase.add_argument("--email", action="append")
    erase.add_argument("--phone", action="append")
    erase.add_argument("--openid", action="append", help="'<app_id>:<openid>'")
    erase.add_argument("--unionid", action="append")
    erase.add_argument("--contact-id", action="append")
    erase.add_argument("--reason", required=True, help="the request's reference, for the audit trail")
    erase.set_defaults(run=_erase)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
