"""The ledger of delivered webhook ids: a repeated webhook-id is answered 2xx without landing it twice.

SQLite in WAL mode with synchronous=FULL under the collector's state folder. Ids are recorded by the landing
stream's writer right after the fsync that made their records durable and before the requests are answered, so a
retry that arrives after a 2xx always finds its id. A crash between that fsync and the ledger commit leaves ids
only in the '.open' file; start-up recovery reads them back from there (`key_of_record`).

Lookups happen on every webhook, on the event loop: they go to an in-memory set of 64-bit digests of the ids in
the ledger, and to SQLite only to confirm a hit (a real duplicate, or a digest collision).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

SCHEMA = """
create table if not exists delivered_webhooks (
    source text not null,
    webhook_id text not null,
    received_at real not null,
    primary key (source, webhook_id)
) without rowid
"""


class WebhookLedger:
    """Which (source, webhook-id) pairs were landed, kept for `retention_seconds`."""

    def __init__(self, path: Path, retention_seconds: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.retention_seconds = retention_seconds
        self._write_lock = threading.Lock()
        self._writer = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._writer.execute("pragma journal_mode=wal")
        self._writer.execute("pragma synchronous=full")
        self._writer.execute("pragma busy_timeout=5000")
        self._writer.execute(SCHEMA)
        self._reader = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._reader.execute("pragma busy_timeout=5000")
        self._digests: set[int] = set()
        self._load_digests()

    @staticmethod
    def _digest(source: str, webhook_id: str) -> int:
        raw = hashlib.blake2b(f"{source}\x00{webhook_id}".encode(), digest_size=8).digest()
        return int.from_bytes(raw, "big")

    def _load_digests(self) -> None:
        rows = self._writer.execute("select source, webhook_id from delivered_webhooks")
        self._digests = {self._digest(source, webhook_id) for source, webhook_id in rows}

    def seen(self, source: str, webhook_id: str) -> bool:
        """Tells whether this webhook was landed before (within the retention period)."""
        if self._digest(source, webhook_id) not in self._digests:
            return False
        row = self._reader.execute(
            "select 1 from delivered_webhooks where source = ? and webhook_id = ?", (source, webhook_id)
        ).fetchone()
        return row is not None

    def remember(self, keys: list[tuple[str, str]]) -> None:
        """Records landed webhooks in one durable transaction."""
        now = time.time()
        with self._write_lock:
            self._writer.execute("begin immediate")
            try:
                self._writer.executemany(
                    "insert or ignore into delivered_webhooks values (?, ?, ?)",
                    [(source, webhook_id, now) for source, webhook_id in keys],
                )
                self._writer.execute("commit")
            except BaseException:
                self._writer.execute("rollback")
                raise
            self._digests.update(self._digest(source, webhook_id) for source, webhook_id in keys)

    @staticmethod
    def key_of_record(record: bytes) -> tuple[str, str] | None:
        """Gives (source, webhook id) of a landed JSON line, for start-up recovery of '.open' files."""
        try:
            data = json.loads(record)
        except ValueError:
            return None
        source, webhook_id = data.get("_webhook_source"), data.get("_webhook_id")
        if isinstance(source, str) and isinstance(webhook_id, str):
            return source, webhook_id
        return None

    def prune(self) -> int:
        """Forgets webhooks older than the retention period; gives how many."""
        with self._write_lock:
            cursor = self._writer.execute(
                "delete from delivered_webhooks where received_at < ?",
                (time.time() - self.retention_seconds,),
            )
            return cursor.rowcount

    def close(self) -> None:
        with self._write_lock:
            self._writer.close()
        self._reader.close()
