"""Message templates and personalisation for email, SMS and WeChat, rendered with sandboxed Jinja.

A template is a folder under the templates directory: `subject.txt` and `body.txt` (and optionally
`body.html`) for email, `sms.txt` for SMS. Every profile field is a variable ({{ full_name }}, {{ company }},
the segment model's own columns), plus {{ unsubscribe_url }}. A field the template needs but the contact lacks
refuses that contact with the reason, instead of sending "Dear ,".
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from connectors.destinations.sync.model import InvalidRecord

DEFAULT_TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=8)
def _environment(folder: str, autoescape: bool) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=False,
    )


class Templates:
    """The message templates of one installation."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder else DEFAULT_TEMPLATES

    def has(self, name: str, part: str) -> bool:
        return (self.folder / name / part).is_file()

    def require(self, name: str, *parts: str) -> None:
        """Fails early, when the sync is configured, if a template or one of its parts is missing."""
        missing = [p for p in parts if not self.has(name, p)]
        if missing:
            raise ValueError(f"template {name!r} in {self.folder} lacks {', '.join(missing)}")

    def render(self, name: str, part: str, variables: Mapping[str, Any]) -> str:
        """Gives one part of a template rendered for one contact; raises InvalidRecord on a missing field."""
        env = _environment(str(self.folder), part.endswith(".html"))
        try:
            return env.get_template(f"{name}/{part}").render(**variables).strip()
        except jinja2.UndefinedError as exc:
            raise InvalidRecord(
                f"template {name}/{part} needs a value the contact lacks: {exc.message}"
            ) from None


def unsubscribe_token(secret: str, contact_id: str, channel: str) -> str:
    """Gives the token that proves an unsubscribe link was made by Yuchi for this contact and channel."""
    message = f"{contact_id}:{channel}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def unsubscribe_link(base_url: str, secret: str, contact_id: str, channel: str) -> str:
    """Gives the one-click unsubscribe URL for a contact on a channel (the preference centre verifies it)."""
    query = urlencode({"c": contact_id, "ch": channel, "t": unsubscribe_token(secret, contact_id, channel)})
    return f"{base_url}{'&' if '?' in base_url else '?'}{query}"
