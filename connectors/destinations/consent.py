"""Send-time suppression: who must not receive a message on a channel, checked just before each batch goes out.

A contact is suppressed when any of its identifiers (marts.contact_identifiers plus the address about to be
used) has, as its latest consent record for the channel or for marketing as a whole, an opt-out:
- marts.dim_contacts consent flags (unsubscribed_<channel>, refused_marketing, refused_automated_decisions);
- opt-outs newer than the marts, read straight from raw: email unsubscribes (raw.email_events), STOP/TD/退订
  replies (raw.sms_events), WeChat unfollows (raw.wechat_events), withdrawn consent (raw.consent_changes);
- the erasure register (activation.erased_identifiers: SHA-256 of identifiers of erased people).
Latest state wins per identifier and scope, so a later re-subscribe (WeChat follow, consent granted) counts.

Raw tables that do not exist yet mean no such opt-outs can have landed; a raw table that exists without the
columns this module needs is an error, because guessing wrong would message people who opted out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd

CHANNELS = ("email", "sms", "wechat")
STOP_WORDS = ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "TD", "T", "N", "退订", "取消", "退")
START_WORDS = ("START", "UNSTOP", "YES")
WITHDRAWN = ("withdrawn", "withdraw", "revoked", "opt_out", "opted_out", "unsubscribed", "refused", "denied")
GRANTED = ("granted", "grant", "opt_in", "opted_in", "subscribed", "given", "accepted")


class ConsentSourceError(RuntimeError):
    """A consent source exists but cannot be read safely; sending stops until it is fixed."""


@dataclass(frozen=True)
class ConsentScope:
    """What a sync must respect: a channel's opt-outs and purposes (marketing, automated decisions)."""

    channel: str | None
    purposes: tuple[str, ...] = ("marketing",)

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(s for s in (self.channel, *self.purposes, "all") if s)


@dataclass
class _Source:
    name: str
    sql: str


@dataclass
class Suppressions:
    """Answers 'may we contact these people on this channel now?' against the warehouse."""

    conn: duckdb.DuckDBPyConnection
    scope: ConsentScope
    _sources: list[_Source] = field(default_factory=list, init=False)
    _flags: list[tuple[str, str]] = field(default_factory=list, init=False)
    _has_identifiers: bool = field(default=False, init=False)
    _has_register: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self._sources = [s for s in _raw_sources(self.conn) if s is not None]
        self._flags = _mart_flags(self.conn, self.scope)
        self._has_identifiers = _has_table(self.conn, "marts", "contact_identifiers")
        self._has_register = _has_table(self.conn, "activation", "erased_identifiers")

    @property
    def sources(self) -> list[str]:
        """Names the consent sources in use, for the run's metadata."""
        return [s.name for s in self._sources] + [f"marts.{t}.{c}" for t, c in self._flags]

    def check(self, contacts: Mapping[str, Iterable[str]]) -> dict[str, str]:
        """Gives contact_id -> reason for each contact that must not be contacted now.

        `contacts` maps contact_id to the identifier keys ('email:a@b.cn') of the address about to be used;
        the contact's other known identifiers are added from marts.contact_identifiers.
        """
        if not contacts:
            return {}
        pairs = [(cid, key) for cid, keys in contacts.items() for key in (*keys, None)]
        frame = pd.DataFrame(pairs, columns=["contact_id", "identifier_key"])
        self.conn.register("_candidates", frame)
        try:
            return self._check()
        finally:
            self.conn.unregister("_candidates")

    def _check(self) -> dict[str, str]:
        identifiers = "select contact_id, identifier_key from _candidates"
        if self._has_identifiers:
            identifiers += (
                " union select ci.contact_id, ci.identifier_key from marts.contact_identifiers ci"
                " where ci.contact_id in (select contact_id from _candidates)"
            )
        reasons: dict[str, str] = {}
        scopes = ", ".join(f"'{s}'" for s in self.scope.scopes)
        if self._sources:
            union = " union all ".join(f"select * from ({s.sql})" for s in self._sources)
            rows = self.conn.execute(
                f"""
                with candidate_ids as ({identifiers}),
                consent as ({union}),
                latest as (
                    select * from consent
                    where identifier_key in (select identifier_key from candidate_ids) and scope in ({scopes})
                    qualify row_number() over (
                        partition by identifier_key, scope
                        order by occurred_at desc nulls last, case when state = 'withdrawn' then 0 else 1 end
                    ) = 1
                )
                select c.contact_id, min(l.source || ': ' || l.scope || ' opt-out by ' || l.identifier_key
                       || coalesce(' at ' || cast(l.occurred_at as varchar), ''))
                from latest l join candidate_ids c using (identifier_key)
                where l.state = 'withdrawn'
                group by c.contact_id
                """
            ).fetchall()
            reasons.update(dict(rows))
        if self._has_register:
            rows = self.conn.execute(
                f"""
                with candidate_ids as ({identifiers})
                select distinct c.contact_id from candidate_ids c
                join activation.erased_identifiers e on e.identifier_hash = sha256(c.identifier_key)
                """
            ).fetchall()
            reasons.update({r[0]: "erased on request (PIPL art. 47 / GDPR art. 17)" for r in rows})
        for table, column in self._flags:
            rows = self.conn.execute(
                f"select contact_id from marts.{table} where {column} "
                "and contact_id in (select contact_id from _candidates)"
            ).fetchall()
            for (contact_id,) in rows:
                reasons.setdefault(contact_id, f"marts.{table}.{column}")
        return reasons


def _columns(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = conn.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def _has_table(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(_columns(conn, schema, table))


def _pick(columns: Sequence[str], candidates: Sequence[str], table: str, what: str) -> str:
    for candidate in candidates:
        if candidate in columns:
            return candidate
    raise ConsentSourceError(
        f"raw.{table} exists but has no {what} column (looked for {', '.join(candidates)}; "
        f"it has {', '.join(columns)}): opt-outs cannot be read, so nothing is sent"
    )


def id_type_of_column(column: str) -> str | None:
    """Gives the identifier type a raw `<field>_normalized` column carries, from its name."""
    name = column.removesuffix("_normalized")
    for needle, id_type in (
        ("email", "email"),
        ("unionid", "wechat_unionid"),
        ("openid", "wechat_openid"),
        ("phone", "phone"),
        ("mobile", "phone"),
        ("anonymous", "anonymous_id"),
        ("crm", "crm_id"),
    ):
        if needle in name:
            return id_type
    return None


def _identifier_union(columns: Sequence[str], table: str) -> list[tuple[str, str]]:
    found = [(c, id_type_of_column(c)) for c in columns if c.endswith("_normalized")]
    usable = [(c, t) for c, t in found if t]
    if not usable:
        raise ConsentSourceError(f"raw.{table} has no *_normalized identifier column to match opt-outs on")
    return usable


def _keyed(select: str, columns: Sequence[tuple[str, str]], table: str) -> str:
    parts = [
        f"select '{t}:' || {c} as identifier_key, {select} from raw.{table} where {c} is not null"
        for c, t in columns
    ]
    return " union all ".join(parts)


def _raw_sources(conn: duckdb.DuckDBPyConnection) -> list[_Source | None]:
    return [_wechat(conn), _email(conn), _sms(conn), _consent_changes(conn)]


def _wechat(conn) -> _Source | None:
    columns = _columns(conn, "raw", "wechat_events")
    if not columns:
        return None
    event = _pick(columns, ("event", "event_type"), "wechat_events", "event")
    at = _pick(columns, ("create_time", "occurred_at"), "wechat_events", "time")
    openid = _pick(columns, ("openid_normalized", "wechat_openid_normalized"), "wechat_events", "OpenID")
    return _Source(
        "raw.wechat_events",
        f"""select 'wechat_openid:' || {openid} as identifier_key, 'wechat' as scope,
                   case when {event} = 'unsubscribe' then 'withdrawn' else 'granted' end as state,
                   cast({at} as timestamp) as occurred_at, 'raw.wechat_events' as source
            from raw.wechat_events where {event} in ('subscribe', 'unsubscribe') and {openid} is not null""",
    )


def _email(conn) -> _Source | None:
    columns = _columns(conn, "raw", "email_events")
    if not columns:
        return None
    event = _pick(columns, ("event_type", "event", "type", "status"), "email_events", "event")
    at = _pick(
        columns, ("occurred_at", "event_time", "timestamp", "created_at", "sent_at"), "email_events", "time"
    )
    email = _pick(columns, ("email_normalized",), "email_events", "normalised email")
    return _Source(
        "raw.email_events",
        f"""select 'email:' || {email} as identifier_key, 'email' as scope, 'withdrawn' as state,
                   cast({at} as timestamp) as occurred_at, 'raw.email_events' as source
            from raw.email_events
            where lower({event}) in ('unsubscribed', 'unsubscribe', 'email_unsubscribed', 'complained',
                                     'spam_complaint', 'spamreport') and {email} is not null""",
    )


def _sms(conn) -> _Source | None:
    columns = _columns(conn, "raw", "sms_events")
    if not columns:
        return None
    event = _pick(columns, ("event_type", "event", "type", "status"), "sms_events", "event")
    at = _pick(
        columns, ("occurred_at", "event_time", "timestamp", "created_at", "received_at"), "sms_events", "time"
    )
    phone = _pick(columns, ("phone_normalized", "mobile_normalized"), "sms_events", "normalised phone")
    reply = next(
        (c for c in ("reply_text", "reply", "body", "text", "content", "message") if c in columns), None
    )
    words = ", ".join(f"'{w}'" for w in sorted(set(STOP_WORDS) | _seeded_stop_words(conn)))
    starts = ", ".join(f"'{w}'" for w in START_WORDS)
    stop = f"lower({event}) in ('stop', 'sms_stop', 'replied_stop', 'unsubscribed', 'opt_out')"
    start = "false"
    if reply:
        stop += f" or upper(trim({reply})) in ({words})"
        start = f"upper(trim({reply})) in ({starts})"
    return _Source(
        "raw.sms_events",
        f"""select 'phone:' || {phone} as identifier_key, 'sms' as scope,
                   case when {stop} then 'withdrawn' else 'granted' end as state,
                   cast({at} as timestamp) as occurred_at, 'raw.sms_events' as source
            from raw.sms_events where ({stop} or {start}) and {phone} is not null""",
    )


def _seeded_stop_words(conn) -> set[str]:
    """Gives the opt-out reply keywords analysts keep in seeds.sms_stop_keywords, when the seed exists."""
    if "keyword" not in _columns(conn, "seeds", "sms_stop_keywords"):
        return set()
    rows = conn.execute("select upper(trim(keyword)) from seeds.sms_stop_keywords where keyword is not null")
    return {r[0].replace("'", "''") for r in rows.fetchall() if r[0]}


def _consent_changes(conn) -> _Source | None:
    table = "consent_changes"
    columns = _columns(conn, "raw", table)
    if not columns:
        return None
    scope = _pick(
        columns, ("purpose", "channel_or_purpose", "channel", "scope", "consent_type"), table, "purpose"
    )
    state = _pick(
        columns, ("status", "action", "change", "state", "consent", "decision"), table, "granted/withdrawn"
    )
    at = _pick(
        columns, ("changed_at", "occurred_at", "requested_at", "created_at", "timestamp"), table, "time"
    )
    withdrawn = ", ".join(f"'{v}'" for v in WITHDRAWN)
    granted = ", ".join(f"'{v}'" for v in GRANTED)
    select = (
        f"lower({scope}) as scope, case when lower({state}) in ({withdrawn}) then 'withdrawn' "
        f"when lower({state}) in ({granted}) then 'granted' end as state, "
        f"cast({at} as timestamp) as occurred_at, 'raw.consent_changes' as source"
    )
    union = _keyed(select, _identifier_union(columns, table), table)
    return _Source("raw.consent_changes", f"select * from ({union}) where state is not null")


def _mart_flags(conn, scope: ConsentScope) -> list[tuple[str, str]]:
    wanted = {f"unsubscribed_{scope.channel}"} if scope.channel else set()
    if "marketing" in scope.purposes:
        wanted.add("refused_marketing")
    if "automated_decisions" in scope.purposes:
        wanted.add("refused_automated_decisions")
    flags = []
    for table in ("dim_contacts", "lead_scores"):
        columns = set(_columns(conn, "marts", table))
        flags += [(table, c) for c in sorted(wanted & columns)]
    return flags
