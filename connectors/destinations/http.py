"""HTTP for destination adapters: one session per destination, vendor answers turned into the engine's errors.

Secrets (tokens, app secrets) are registered with the client and replaced by *** in every error message, so
neither logs nor the run log can leak them, even when a vendor puts the token in the URL (WeChat does).
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Iterable, Mapping
from typing import Any

import requests

from connectors.destinations.sync.model import (
    BatchRejected,
    DestinationMisconfigured,
    RateLimited,
    TransientError,
)

DEFAULT_RETRY_AFTER = 1.0
_QUERY_SECRET = re.compile(r"(access_token|secret|Signature|AccessKeyId)=[^&\s'\"]+", re.IGNORECASE)


def retry_after_seconds(value: str | None, default: float = DEFAULT_RETRY_AFTER) -> float:
    """Gives the wait a Retry-After header asks for: delta-seconds or an HTTP date; `default` if absent."""
    if not value:
        return default
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return default
    return max(0.0, moment.timestamp() - time.time())


class HttpClient:
    """A requests session bound to one API base URL, with timeouts and secret redaction."""

    def __init__(
        self,
        base_url: str,
        vendor: str,
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        timeout: float = 30.0,
        auth: tuple[str, str] | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.vendor = vendor
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": "yuchi-activation/0.1", **(headers or {})})
        if auth:
            self.session.auth = auth
        self._secrets = [s for s in secrets if s]

    def add_secret(self, secret: str) -> None:
        """Registers a secret learnt at run time (an access token) for redaction."""
        if secret and secret not in self._secrets:
            self._secrets.append(secret)

    def redact(self, text: str) -> str:
        """Gives the text with every registered secret and secret-looking query value replaced by ***."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return _QUERY_SECRET.sub(lambda m: f"{m.group(1)}=***", text)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Sends one request; a timeout or dropped connection becomes a TransientError (never a secret leak)."""
        url = path if path.startswith("http") else f"{self.base_url}{path}"
        kwargs.setdefault("timeout", self.timeout)
        try:
            return self.session.request(method, url, **kwargs)
        except requests.ConnectTimeout as exc:
            raise TransientError(
                self.redact(f"{self.vendor}: could not connect: {exc}"), ambiguous=False
            ) from None
        except requests.ConnectionError as exc:
            # the request may have been written before the connection dropped
            raise TransientError(
                self.redact(f"{self.vendor}: connection failed: {exc}"), ambiguous=True
            ) from None
        except requests.Timeout as exc:
            raise TransientError(
                self.redact(f"{self.vendor}: no answer in time: {exc}"), ambiguous=True
            ) from None

    def error_text(self, response: requests.Response, limit: int = 500) -> str:
        """Gives the vendor's error body (its message), shortened and redacted, for the failed-records table."""
        return self.redact(f"{self.vendor} {response.status_code}: {response.text[:limit]}")

    def raise_for_status(
        self, response: requests.Response, default_retry_after: float = DEFAULT_RETRY_AFTER
    ) -> None:
        """Turns an HTTP error into the engine's error: 429 wait, 5xx retry, 401/403 stop, other 4xx split."""
        status = response.status_code
        if status < 400:
            return
        text = self.error_text(response)
        if status == 429:
            raise RateLimited(
                text, retry_after_seconds(response.headers.get("Retry-After"), default_retry_after)
            )
        if status >= 500 or status == 408:
            raise TransientError(text, ambiguous=status != 503, http_status=status)
        if status in (401, 403):
            raise DestinationMisconfigured(text)
        raise BatchRejected(text, http_status=status)

    def close(self) -> None:
        self.session.close()
