"""Sources: every channel's landing contract. `ALL_ENTITIES` is the list the loader and the docs walk."""

from connectors.sources import crm_outcomes, web_forms, webinars, wechat_official_account

CHANNEL_MODULES = {
    "web_forms": web_forms,
    "wechat": wechat_official_account,
    "webinars": webinars,
    "crm": crm_outcomes,
}

ALL_ENTITIES = tuple(entity for module in CHANNEL_MODULES.values() for entity in module.ENTITIES)
