"""Sources: every channel's landing contract. `ALL_ENTITIES` is the list the loader and the docs walk."""

from connectors.sources import (
    consent,
    contact_lists,
    content,
    crm_outcomes,
    email_engagement,
    offline_events,
    sms_engagement,
    stores,
    web_forms,
    web_tracking,
    webinars,
    wechat_official_account,
)
from connectors.sources.contract import check_entity

CHANNEL_MODULES = {
    "web_forms": web_forms,
    "web_tracking": web_tracking,
    "wechat": wechat_official_account,
    "webinars": webinars,
    "offline_events": offline_events,
    "stores": stores,
    "content": content,
    "email": email_engagement,
    "sms": sms_engagement,
    "contact_lists": contact_lists,
    "consent": consent,
    "crm": crm_outcomes,
}

ALL_ENTITIES = tuple(entity for module in CHANNEL_MODULES.values() for entity in module.ENTITIES)
ENTITIES_BY_TABLE = {entity.table: entity for entity in ALL_ENTITIES}

for _entity in ALL_ENTITIES:
    check_entity(_entity)
