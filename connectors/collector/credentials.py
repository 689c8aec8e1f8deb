"""Who may push: WeChat tokens and AES keys per app id, webhook secrets per form source, tracking write keys.

All come from environment variables (never logged). Per app id or source, either one variable each or one JSON
map for all:

    YUCHI_WECHAT_TOKEN_<APPID>      the token set in the official account's server configuration
    YUCHI_WECHAT_AES_KEY_<APPID>    its EncodingAESKey (43 characters), needed for safe mode (encrypt_type=aes)
    YUCHI_WECHAT_APPS               {"<app id>": {"token": "...", "encoding_aes_key": "..."}}
    YUCHI_WEBHOOK_SECRET_<SOURCE>   whsec_... secrets, space-separated (several while a secret is rotated)
    YUCHI_WEBHOOK_SECRETS           {"<source>": "whsec_... whsec_..."}
    YUCHI_TRACKING_WRITE_KEYS       write keys accepted by /v1/*, space- or comma-separated

<APPID> and <SOURCE> are upper-cased with every character other than A-Z and 0-9 turned into "_".
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from connectors.collector.config import ConfigError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""App ids and form sources become part of file names and variable names: letters, digits, '_' and '-' only."""


@dataclass(frozen=True)
class WeChatApp:
    """One official account as the collector knows it."""

    app_id: str
    token: str
    encoding_aes_key: str | None = None


def env_suffix(name: str) -> str:
    """Gives the variable-name suffix for an app id or source: upper-cased, other characters as '_'."""
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def decode_webhook_secret(secret: str, where: str) -> bytes:
    """Gives the key bytes of a Standard Webhooks secret ('whsec_' + base64)."""
    text = secret.strip()
    if text.startswith("whsec_"):
        text = text[len("whsec_") :]
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigError(f"{where}: a secret is not 'whsec_' followed by base64") from None
    if len(key) < 16:
        raise ConfigError(
            f"{where}: a secret decodes to {len(key)} bytes; use at least 16 (24 to 64 is usual)"
        )
    return key


def _json_map(environ: Mapping[str, str], name: str) -> dict:
    raw = environ.get(name)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{name} is not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{name} must be a JSON object keyed by app id or source")
    return value


class Credentials:
    """The secrets the collector checks pushes against; read once at start-up from the environment."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self._env = dict(os.environ if environ is None else environ)
        self._apps = _json_map(self._env, "YUCHI_WECHAT_APPS")
        self._sources = _json_map(self._env, "YUCHI_WEBHOOK_SECRETS")
        keys = self._env.get("YUCHI_TRACKING_WRITE_KEYS", "")
        self.write_keys: tuple[str, ...] = tuple(k for k in re.split(r"[\s,]+", keys) if k)
        self._secret_cache: dict[str, tuple[bytes, ...]] = {}
        for source in self._sources:
            self.webhook_secrets(source)  # fail at start-up, not on the first push

    def wechat_app(self, app_id: str) -> WeChatApp | None:
        """Gives the account's token and AES key, or None when no token is configured for it."""
        entry = self._apps.get(app_id) or {}
        if not isinstance(entry, dict):
            raise ConfigError(
                f"YUCHI_WECHAT_APPS[{app_id!r}] must be an object with token and encoding_aes_key"
            )
        suffix = env_suffix(app_id)
        token = self._env.get(f"YUCHI_WECHAT_TOKEN_{suffix}") or entry.get("token")
        if not token:
            return None
        aes_key = self._env.get(f"YUCHI_WECHAT_AES_KEY_{suffix}") or entry.get("encoding_aes_key")
        return WeChatApp(app_id=app_id, token=str(token), encoding_aes_key=aes_key or None)

    def webhook_secrets(self, source: str) -> tuple[bytes, ...]:
        """Gives the keys a form source may sign with (empty when none is configured)."""
        if source not in self._secret_cache:
            variable = f"YUCHI_WEBHOOK_SECRET_{env_suffix(source)}"
            raw = self._env.get(variable)
            where = variable
            if raw is None:
                raw, where = self._sources.get(source, ""), f"YUCHI_WEBHOOK_SECRETS[{source!r}]"
            items = raw.split() if isinstance(raw, str) else list(raw)
            self._secret_cache[source] = tuple(decode_webhook_secret(s, where) for s in items)
        return self._secret_cache[source]

    def describe(self) -> dict[str, object]:
        """Gives what is configured, without any secret, for the start-up log."""
        apps = set(self._apps) | {
            k[len("YUCHI_WECHAT_TOKEN_") :] for k in self._env if k.startswith("YUCHI_WECHAT_TOKEN_")
        }
        sources = set(self._sources) | {
            k[len("YUCHI_WEBHOOK_SECRET_") :] for k in self._env if k.startswith("YUCHI_WEBHOOK_SECRET_")
        }
        return {
            "wechat_apps": sorted(apps),
            "webhook_sources": sorted(sources),
            "tracking_write_keys": len(self.write_keys),
        }
