"""Email over SMTP: one personalised message per contact, with RFC 8058 one-click unsubscribe headers.

Without an SMTP host the messages are written to an outbox folder as .eml files (one per idempotency key),
so `make demo` shows real messages without a mail server.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from pathlib import Path
from typing import Any

from connectors.destinations.messages import Templates, unsubscribe_link
from connectors.destinations.profile import extra_fields
from connectors.destinations.sync.destination import (
    ErasureNotSupported,
    ErasureSubject,
    OneRequestPerRecord,
    RateLimit,
)
from connectors.destinations.sync.model import (
    Action,
    BatchRejected,
    Change,
    DestinationMisconfigured,
    InvalidRecord,
    Mode,
    Outcome,
    Status,
    TransientError,
)


@dataclass(frozen=True)
class SmtpConfig:
    """The mail server (password from the environment) and what every message carries."""

    host: str | None = None  # None: write .eml files to `outbox` instead of sending
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    sender: str = "marketing@example.com"
    sender_name: str = "Yuchi"
    unsubscribe_url: str = "https://example.com/preferences/unsubscribe"
    unsubscribe_mailto: str = "unsubscribe@example.com"
    unsubscribe_secret: str = "change-me"
    outbox: str | None = None
    templates: str | None = None
    messages_per_second: float | None = 10.0
    timeout: float = 30.0


class SmtpEmail(OneRequestPerRecord):
    """A templated email to each new member of a segment (insert-only: once per contact and campaign)."""

    kind = "email"
    modes = frozenset({Mode.INSERT_ONLY})
    consent_channel = "email"
    guarantee = (
        "at most once after a crash: SMTP cannot be asked what it accepted, so a message whose answer was "
        "lost is recorded as unknown and not resent (its Message-ID is derived from the idempotency key)"
    )

    def __init__(self, config: SmtpConfig, template: str, campaign: str, name: str = "email"):
        self.config = config
        self.name = name
        self.template = template
        self.campaign = campaign
        self.templates = Templates(config.templates)
        self.templates.require(template, "subject.txt", "body.txt")
        self.batch_size = 50
        if config.messages_per_second and config.host is not None:  # the relay's limit; an outbox has none
            self.rate_limit = RateLimit.every_second(config.messages_per_second)
        if config.host is None and not config.outbox:
            raise ValueError(f"{name}: set an SMTP host, or an outbox folder for development")
        # writing .eml files by idempotency key is naturally deduplicated; SMTP is not
        self.resend_is_safe = config.host is None
        self.reads_back = config.host is None
        self._local = threading.local()
        self._open: list[smtplib.SMTP] = []
        self._open_lock = threading.Lock()

    def payload(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        address = profile.get("email")
        if not address:
            raise InvalidRecord("no email address")
        variables = {**profile, **extra_fields(profile)}
        variables["unsubscribe_url"] = unsubscribe_link(
            self.config.unsubscribe_url, self.config.unsubscribe_secret, str(profile["contact_id"]), "email"
        )
        message = {
            "to": address,
            "to_name": profile.get("full_name"),
            "subject": self.templates.render(self.template, "subject.txt", variables),
            "text": self.templates.render(self.template, "body.txt", variables),
            "unsubscribe_url": variables["unsubscribe_url"],
            "campaign": self.campaign,
        }
        if self.templates.has(self.template, "body.html"):
            message["html"] = self.templates.render(self.template, "body.html", variables)
        return message

    def message(self, change: Change) -> EmailMessage:
        """Gives the MIME message of one change, headers included."""
        p = change.payload
        domain = self.config.sender.rpartition("@")[2] or "yuchi.local"
        message = EmailMessage()
        message["From"] = formataddr((self.config.sender_name, self.config.sender))
        message["To"] = formataddr((p.get("to_name") or "", p["to"]))
        message["Subject"] = p["subject"]
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = f"<{change.idempotency_key}@{domain}>"
        unsubscribe_mail = f"mailto:{self.config.unsubscribe_mailto}?subject=unsubscribe-{change.record_key}"
        message["List-Unsubscribe"] = f"<{p['unsubscribe_url']}>, <{unsubscribe_mail}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message["X-Yuchi-Campaign"] = str(p.get("campaign") or "")
        message["X-Yuchi-Contact"] = change.record_key
        message.set_content(p["text"])
        if p.get("html"):
            message.add_alternative(p["html"], subtype="html")
        return message

    def send_one(self, action: Action, change: Change) -> Outcome:
        message = self.message(change)
        if self.config.host is None:
            return self._write_outbox(change, message)
        connection = self._connection()
        try:
            refused = connection.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise BatchRejected(f"SMTP {code}: {text.decode(errors='replace')}", http_status=code) from None
        except smtplib.SMTPResponseException as exc:
            self._drop_connection()
            detail = f"SMTP {exc.smtp_code}: {exc.smtp_error.decode(errors='replace')}"
            if exc.smtp_code >= 500:
                raise BatchRejected(detail, http_status=exc.smtp_code) from None
            raise TransientError(detail, ambiguous=False, http_status=exc.smtp_code) from None
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop_connection()
            raise TransientError(f"SMTP connection lost while sending: {exc}", ambiguous=True) from None
        if refused:
            code, text = next(iter(refused.values()))
            return Outcome(
                change.record_key, Status.FAILED, reason=f"SMTP {code}: {text!r}", http_status=code
            )
        return Outcome(change.record_key, Status.DELIVERED, message["Message-ID"])

    def _write_outbox(self, change: Change, message: EmailMessage) -> Outcome:
        folder = Path(self.config.outbox) / self.campaign
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{change.idempotency_key}.eml"
        if not target.exists():
            partial = target.with_suffix(".eml.partial")
            partial.write_bytes(message.as_bytes())
            partial.replace(target)
        return Outcome(change.record_key, Status.DELIVERED, message["Message-ID"])

    def read_back(self, changes):
        if self.config.host is not None:
            return None
        folder = Path(self.config.outbox) / self.campaign
        return {c.record_key: None for c in changes if (folder / f"{c.idempotency_key}.eml").exists()}

    def erase(self, subject: ErasureSubject) -> str:
        """Deletes the person's messages from the development outbox; sent email cannot be recalled."""
        if self.config.host is not None:
            raise ErasureNotSupported(
                "an email handed to the SMTP server cannot be recalled; nothing is stored"
            )
        removed = 0
        addresses = {e.lower() for e in subject.emails}
        for path in Path(self.config.outbox).glob("*/*.eml"):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            recipient = message["To"].addresses[0].addr_spec.lower() if message["To"] else ""
            if message["X-Yuchi-Contact"] == subject.contact_id or recipient in addresses:
                path.unlink()
                removed += 1
        return f"email outbox: deleted {removed} message(s)"

    def _connection(self) -> smtplib.SMTP:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            return connection
        try:
            connection = smtplib.SMTP(self.config.host, self.config.port, timeout=self.config.timeout)
            if self.config.starttls:
                connection.starttls(context=ssl.create_default_context())
            if self.config.username:
                connection.login(self.config.username, self.config.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise DestinationMisconfigured(f"SMTP login refused ({exc.smtp_code})") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(
                f"cannot reach SMTP {self.config.host}:{self.config.port}: {exc}", ambiguous=False
            ) from None
        self._local.connection = connection
        with self._open_lock:
            self._open.append(connection)
        return connection

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            try:
                connection.close()
            except OSError:
                pass

    def close(self) -> None:
        with self._open_lock:
            connections, self._open = self._open, []
        for connection in connections:
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                pass
