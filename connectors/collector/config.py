"""The collector's settings, read from environment variables when the collector starts, with working defaults."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from connectors.settings import resolve_paths


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable and what it expects."""


@dataclass(frozen=True)
class CollectorConfig:
    """Where the collector listens, where it lands files, and its limits."""

    host: str = "127.0.0.1"
    port: int = 8710
    landing: Path = Path(".yuchi/landing")
    state: Path = Path(".yuchi/collector")
    rotate_bytes: int = 64 * 1024 * 1024
    rotate_seconds: float = 300.0
    max_body_bytes: int = 1024 * 1024
    max_batch_bytes: int = 500 * 1024
    max_event_bytes: int = 32 * 1024
    replay_window_seconds: int = 300
    webhook_id_retention_days: float = 7.0


def _number(environ: Mapping[str, str], name: str, default: float, kind: type = int) -> float:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = kind(raw.strip())
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a {kind.__name__}") from None
    if value <= 0:
        raise ConfigError(f"{name}={raw!r} must be greater than 0")
    return value


def load_config(environ: Mapping[str, str] | None = None) -> CollectorConfig:
    """Gives the collector's settings from YUCHI_COLLECTOR_* (and YUCHI_HOME for the folders)."""
    env = os.environ if environ is None else environ
    home = resolve_paths(env.get("YUCHI_HOME") or None).home
    return CollectorConfig(
        host=env.get("YUCHI_COLLECTOR_HOST") or "127.0.0.1",
        port=int(_number(env, "YUCHI_COLLECTOR_PORT", 8710)),
        landing=Path(env.get("YUCHI_COLLECTOR_LANDING") or home / "landing").resolve(),
        state=Path(env.get("YUCHI_COLLECTOR_STATE") or home / "collector").resolve(),
        rotate_bytes=int(_number(env, "YUCHI_COLLECTOR_ROTATE_BYTES", 64 * 1024 * 1024)),
        rotate_seconds=_number(env, "YUCHI_COLLECTOR_ROTATE_SECONDS", 300.0, float),
        max_body_bytes=int(_number(env, "YUCHI_COLLECTOR_MAX_BODY_BYTES", 1024 * 1024)),
        max_batch_bytes=int(_number(env, "YUCHI_COLLECTOR_MAX_BATCH_BYTES", 500 * 1024)),
        max_event_bytes=int(_number(env, "YUCHI_COLLECTOR_MAX_EVENT_BYTES", 32 * 1024)),
        replay_window_seconds=int(_number(env, "YUCHI_COLLECTOR_REPLAY_WINDOW_SECONDS", 300)),
        webhook_id_retention_days=_number(env, "YUCHI_COLLECTOR_WEBHOOK_ID_RETENTION_DAYS", 7.0, float),
    )
