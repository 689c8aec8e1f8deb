"""Destinations as Dagster resources: one resource per destination name a segment can sync `to`.

Credentials come only from the environment through dg.EnvVar, resolved when a sync that needs them runs (a
destination no segment uses needs no credentials). Resources never put secrets in logs or metadata: adapters
redact them from every error message.
"""

import dataclasses
from pathlib import Path

import dagster as dg

from connectors.destinations.file_export import FileExport
from connectors.destinations.hubspot import HubSpotConfig, HubSpotContacts
from connectors.destinations.light_crm import LightCrmLeads
from connectors.destinations.salesforce import SalesforceConfig, SalesforceLeads
from connectors.destinations.sms_aliyun import AliyunSms, AliyunSmsConfig
from connectors.destinations.sms_twilio import TwilioConfig, TwilioSms
from connectors.destinations.smtp_email import SmtpConfig, SmtpEmail
from connectors.destinations.sync.destination import Destination
from connectors.destinations.webhook import SignedWebhook, WebhookConfig
from connectors.destinations.wechat_template import WeChatConfig, WeChatTemplateMessages
from connectors.settings import resolve_paths
from orchestration.activation.segments import DestinationSpec, SegmentSpec


class DestinationResource(dg.ConfigurableResource):
    """A configured destination; `build` gives the adapter for one segment's sync."""

    def build(self, segment: SegmentSpec, spec: DestinationSpec) -> Destination | FileExport:
        raise NotImplementedError

    @staticmethod
    def option(segment: SegmentSpec, spec: DestinationSpec, key: str) -> str:
        value = spec.options.get(key)
        if not value:
            raise dg.Failure(f"segment {segment.name} ({segment.path}): destination {spec.to} needs `{key}:`")
        return str(value)

    @staticmethod
    def campaign(segment: SegmentSpec, spec: DestinationSpec) -> str:
        return str(spec.options.get("campaign") or segment.name)

    def adapter_config(self, config_class: type, **overrides):
        """Gives the adapter's config dataclass from this resource's fields of the same names."""
        names = {f.name for f in dataclasses.fields(config_class)}
        values = {name: getattr(self, name) for name in names if hasattr(self, name)}
        return config_class(**(values | overrides))


class LightCrmResource(DestinationResource):
    """The built-in CRM; `url` is any SQLAlchemy URL (default: YUCHI_CRM_URL, else SQLite in YUCHI_HOME)."""

    url: str | None = None

    def build(self, segment, spec):
        url = self.url or resolve_paths().crm_url
        return LightCrmLeads(url, spec.to, spec.mode, list_name=spec.options.get("list") or segment.name)


class HubSpotResource(DestinationResource):
    """A HubSpot portal, through a private app's access token."""

    access_token: str
    base_url: str = "https://api.hubapi.com"
    id_property: str = "email"
    requests_per_10s: int = 190
    max_in_flight: int = 10

    def build(self, segment, spec):
        config = self.adapter_config(HubSpotConfig)
        return HubSpotContacts(config, spec.to, list_id=spec.options.get("list_id"), mode=spec.mode)


class SalesforceResource(DestinationResource):
    """A Salesforce org: instance URL and an OAuth access token with API access."""

    instance_url: str
    access_token: str
    api_version: str = "v62.0"
    external_id_field: str = "Yuchi_Contact_Id__c"
    max_in_flight: int = 4

    def build(self, segment, spec):
        config = self.adapter_config(SalesforceConfig)
        return SalesforceLeads(config, spec.to, mode=spec.mode)


class SmtpEmailResource(DestinationResource):
    """Email: an SMTP server, or (no host) an outbox folder of .eml files under YUCHI_HOME for development."""

    host: str | None = None
    port: int = 587
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    sender: str = "marketing@example.com"
    sender_name: str = "Yuchi"
    unsubscribe_url: str = "https://example.com/preferences/unsubscribe"
    unsubscribe_mailto: str = "unsubscribe@example.com"
    unsubscribe_secret: str = "development-only-unsubscribe-secret"
    outbox: str | None = None
    templates: str | None = None
    messages_per_second: float = 10.0

    def build(self, segment, spec):
        config = self.adapter_config(SmtpConfig, outbox=self.outbox or str(resolve_paths().home / "outbox"))
        template = self.option(segment, spec, "template")
        return SmtpEmail(config, template, self.campaign(segment, spec), spec.to)


class TwilioResource(DestinationResource):
    account_sid: str
    auth_token: str
    sender: str
    base_url: str = "https://api.twilio.com"
    messages_per_second: float = 10.0
    templates: str | None = None

    def build(self, segment, spec):
        config = self.adapter_config(TwilioConfig)
        return TwilioSms(
            config, self.option(segment, spec, "template"), self.campaign(segment, spec), spec.to
        )


class AliyunSmsResource(DestinationResource):
    access_key_id: str
    access_key_secret: str
    sign_name: str
    endpoint: str = "https://dysmsapi.aliyuncs.com"
    requests_per_second: float = 50.0

    def build(self, segment, spec):
        config = self.adapter_config(AliyunSmsConfig)
        params = spec.options.get("template_params") or {}
        return AliyunSms(
            config, self.option(segment, spec, "template_code"), params, self.campaign(segment, spec), spec.to
        )


class WeChatResource(DestinationResource):
    app_id: str
    app_secret: str
    base_url: str = "https://api.weixin.qq.com"
    requests_per_second: float = 20.0

    def build(self, segment, spec):
        config = self.adapter_config(WeChatConfig)
        return WeChatTemplateMessages(
            config,
            self.option(segment, spec, "template_id"),
            spec.options.get("fields") or {},
            self.campaign(segment, spec),
            url=spec.options.get("url"),
            name=spec.to,
        )


class WebhookResource(DestinationResource):
    url: str
    secret: str
    requests_per_second: float | None = None

    def build(self, segment, spec):
        config = self.adapter_config(WebhookConfig)
        return SignedWebhook(config, spec.to, spec.mode, segment.name)


class FileExportResource(DestinationResource):
    """CSV or Parquet snapshots of segments under `folder` (default YUCHI_HOME/exports)."""

    file_format: str = "csv"
    hashed: bool = False
    folder: str | None = None

    def build(self, segment, spec):
        folder = Path(self.folder) if self.folder else resolve_paths().home / "exports"
        return FileExport(folder, self.file_format, segment.name, spec.to, hashed=self.hashed)


def default_destinations() -> dict[str, DestinationResource]:
    """Gives the destinations segments can name, bound to their environment variables."""
    return {
        "light_crm": LightCrmResource(),
        "email": SmtpEmailResource(),
        "csv_export": FileExportResource(file_format="csv"),
        "parquet_export": FileExportResource(file_format="parquet"),
        "hashed_audience": FileExportResource(file_format="parquet", hashed=True),
        "hubspot": HubSpotResource(access_token=dg.EnvVar("YUCHI_HUBSPOT_TOKEN")),
        "salesforce": SalesforceResource(
            instance_url=dg.EnvVar("YUCHI_SALESFORCE_INSTANCE_URL"),
            access_token=dg.EnvVar("YUCHI_SALESFORCE_TOKEN"),
        ),
        "sms_twilio": TwilioResource(
            account_sid=dg.EnvVar("YUCHI_TWILIO_ACCOUNT_SID"),
            auth_token=dg.EnvVar("YUCHI_TWILIO_AUTH_TOKEN"),
            sender=dg.EnvVar("YUCHI_TWILIO_SENDER"),
        ),
        "sms_aliyun": AliyunSmsResource(
            access_key_id=dg.EnvVar("YUCHI_ALIYUN_ACCESS_KEY_ID"),
            access_key_secret=dg.EnvVar("YUCHI_ALIYUN_ACCESS_KEY_SECRET"),
            sign_name=dg.EnvVar("YUCHI_ALIYUN_SMS_SIGN_NAME"),
        ),
        "wechat": WeChatResource(
            app_id=dg.EnvVar("YUCHI_WECHAT_APP_ID"), app_secret=dg.EnvVar("YUCHI_WECHAT_APP_SECRET")
        ),
        "webhook": WebhookResource(
            url=dg.EnvVar("YUCHI_WEBHOOK_URL"), secret=dg.EnvVar("YUCHI_WEBHOOK_SECRET")
        ),
    }
