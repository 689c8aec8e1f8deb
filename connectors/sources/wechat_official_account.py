"""WeChat official account: follower events per account (OpenID is scoped by app id), UnionID across accounts."""

from connectors.sources.contract import Entity, Field, IdentifierField

EVENTS = Entity(
    channel="wechat",
    entity="events",
    file_glob="*.jsonl",
    description="An event WeChat pushed for a follower, plus phone binding from the account's menu form.",
    fields=(
        Field("app_id", required=True, description="The official account's app id; scopes the OpenID."),
        Field("openid", required=True, description="FromUserName of the push: the follower in this account."),
        Field(
            "unionid", description="The follower across the company's accounts, when the account is bound."
        ),
        Field("event", required=True),
        Field(
            "event_key",
            description="qrscene_<scene id> on subscribe by QR, the menu key on CLICK, URL on VIEW.",
        ),
        Field(
            "create_time", "epoch_seconds", required=True, description="CreateTime, seconds since 1970 UTC."
        ),
        Field("phone", description="Present on bind_phone events: the number the follower verified."),
    ),
    identifier_fields=(
        IdentifierField("openid", "wechat_openid", scope_field="app_id"),
        IdentifierField("unionid", "wechat_unionid"),
        IdentifierField("phone", "phone"),
    ),
    allowed_values={"event": ("subscribe", "unsubscribe", "SCAN", "CLICK", "VIEW", "bind_phone")},
)

ENTITIES = (EVENTS,)
