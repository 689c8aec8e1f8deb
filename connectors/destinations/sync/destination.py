"""The contract every destination adapter fulfils, so one engine can sync to any of them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from connectors.destinations.sync.model import (
    Action,
    BatchRejected,
    Change,
    DeliveryError,
    Mode,
    Outcome,
    PartialDelivery,
    Status,
    TransientError,
)


@dataclass(frozen=True)
class RateLimit:
    """At most `requests` calls in any `per_seconds` window, as the vendor documents it."""

    requests: int
    per_seconds: float

    @property
    def per_second(self) -> float:
        return self.requests / self.per_seconds

    @classmethod
    def every_second(cls, rate: float) -> RateLimit:
        """Gives a limit of `rate` requests per second (at least one)."""
        return cls(max(1, int(rate)), 1.0)


@dataclass(frozen=True)
class ErasureSubject:
    """The person a deletion request is about, as the destinations know them."""

    request_id: str
    contact_id: str | None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    wechat_openids: tuple[str, ...] = ()
    external_ids: tuple[str, ...] = ()  # ids the destination gave this person in earlier syncs


@dataclass(frozen=True)
class Acknowledgement:
    """One target's answer to a deletion request: done, not_supported, manual or failed, in words."""

    target: str
    status: str  # done, not_supported, manual, failed
    detail: str


class ErasureNotSupported(Exception):
    """The destination has no API to delete a person (a message already sent cannot be unsent)."""


class Destination(ABC):
    """A place records leave the warehouse for: a CRM, a messaging channel, a webhook or a file."""

    kind: ClassVar[str]
    modes: ClassVar[frozenset[Mode]]
    consent_channel: ClassVar[str | None] = None
    """email, sms or wechat: the channel whose unsubscribes and STOP replies this destination must honour."""
    resend_is_safe: ClassVar[bool] = False
    """True when sending the same change twice cannot duplicate it (upsert by key, deduplicating ids)."""
    guarantee: ClassVar[str] = ""
    """What a rerun after a crash guarantees here, in words, for docs and the Dagster UI."""

    reads_back: ClassVar[bool] = False
    """True when read_back can ask the destination what arrived."""
    resend_window_seconds: ClassVar[float | None] = None
    """How long after the first attempt a resend is still deduplicated (WeChat: 10 minutes); None: always."""

    name: str = ""
    batch_size: int = 1
    rate_limit: RateLimit | None = None
    max_in_flight: int = 1

    def batch_size_for(self, action: Action) -> int:
        """Gives the most changes one request can carry for this action."""
        return self.batch_size

    @abstractmethod
    def payload(self, profile: Mapping[str, Any]) -> dict[str, Any]:
        """Gives the destination's payload for one contact profile; raises InvalidRecord if it cannot."""

    @abstractmethod
    def send(self, action: Action, changes: Sequence[Change]) -> list[Outcome]:
        """Applies one batch of changes; gives one outcome per change or raises a DeliveryError."""

    def read_back(self, changes: Sequence[Change]) -> dict[str, str | None] | None:
        """Gives, for changes that are already at the destination, their record key -> external id.

        None means the destination cannot be asked (SMTP): the engine then never resends an ambiguous change.
        """
        return None

    def erase(self, subject: ErasureSubject) -> str:
        """Deletes the person at the destination; gives the acknowledgement in words."""
        raise ErasureNotSupported(f"{self.kind} has no API to delete a person")

    def close(self) -> None:  # noqa: B027 - most destinations hold nothing to release
        """Releases connections."""


class OneRequestPerRecord(Destination):
    """A destination whose API takes one record per request (a message, an event).

    The engine hands it a batch; it paces each request with the engine's limiter and, if a request fails
    part way through the batch, reports what is settled so only the rest is retried.
    """

    def pace(self) -> None:
        """Waits for the engine's rate limiter before a request; the engine installs the real one."""

    @abstractmethod
    def send_one(self, action: Action, change: Change) -> Outcome:
        """Sends one record; gives its outcome or raises a DeliveryError."""

    def send(self, action: Action, changes: Sequence[Change]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for position, change in enumerate(changes):
            if position:
                self.pace()
            try:
                outcomes.append(self.send_one(action, change))
            except BatchRejected as exc:
                outcomes.append(
                    Outcome(change.record_key, Status.FAILED, reason=str(exc), http_status=exc.http_status)
                )
            except TransientError as exc:
                if exc.ambiguous and not self.resend_is_safe:
                    # only this record may have gone out; the ones after it were never attempted
                    cause = TransientError(str(exc), ambiguous=False, http_status=exc.http_status)
                    if self.reads_back:
                        raise PartialDelivery(outcomes, cause, uncertain=(change.record_key,)) from exc
                    unknown = Outcome(
                        change.record_key, Status.UNKNOWN, reason=f"outcome unknown: {exc}; not resent"
                    )
                    raise PartialDelivery([*outcomes, unknown], cause) from exc
                if not outcomes:
                    raise
                raise PartialDelivery(outcomes, exc) from exc
            except DeliveryError as exc:
                if not outcomes:
                    raise
                raise PartialDelivery(outcomes, exc) from exc
        return outcomes
