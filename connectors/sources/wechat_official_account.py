"""WeChat official account: events exactly as WeChat pushes them, follower records from the user-info API, and
events from the account's own H5 pages (phone binding, article shares).

An OpenID only means something within one official account, so it is scoped by the account's app id; the
UnionID is the same person across the company's accounts and comes from the user-info API. The collector
serves /wechat/<app_id> and writes the pushes it verified to pushes-<app_id>-<stamp>.xml: <xml>...</xml>
documents one after another (ToUserName, FromUserName = the follower's OpenID, CreateTime, MsgType=event,
Event, EventKey: qrscene_<scene> for a subscribe through a parametric QR code, the scene on SCAN, the menu key
on CLICK, the URL on VIEW). Message pushes (MsgType text, image, ...) are not events and are quarantined.
"""

from connectors.sources.contract import Entity, Field, FilePattern, IdentifierField

APP_ID_FROM_NAME = r"(?:pushes|users|h5)-(?P<app_id>[A-Za-z0-9_]+)-"
WECHAT_EVENTS = (
    "subscribe",
    "unsubscribe",
    "SCAN",
    "CLICK",
    "VIEW",
    "LOCATION",
    "TEMPLATESENDJOBFINISH",
    "MASSSENDJOBFINISH",
    "scancode_push",
    "scancode_waitmsg",
    "view_miniprogram",
)
H5_EVENTS = ("bind_phone", "share")

EVENTS = Entity(
    channel="wechat",
    entity="events",
    files=(
        FilePattern(
            "pushes-*.xml",
            "wechat_xml",
            name_fields=APP_ID_FROM_NAME,
            example="pushes-wx8a1b2c3d4e5f6a7b-20261101T080000000000.xml",
        ),
        FilePattern(
            "h5-*.jsonl", "jsonl", name_fields=APP_ID_FROM_NAME, example="h5-wx8a1b2c3d4e5f6a7b-2026W44.jsonl"
        ),
        FilePattern("events-*.jsonl", "jsonl", example="events-2026W44.jsonl"),
    ),
    description="An event WeChat pushed for a follower, or one the account's H5 pages recorded (bind_phone, share).",
    fields=(
        Field(
            "app_id",
            required=True,
            description="The official account's app id (from the file name for pushes).",
        ),
        Field("to_user_name", sources=("ToUserName",), description="The account's original id (gh_...)."),
        Field(
            "openid", required=True, sources=("FromUserName", "openid"), description="The follower's OpenID."
        ),
        Field("unionid", sources=("UnionId", "unionid"), description="Present on H5 events when known."),
        Field(
            "msg_type", sources=("MsgType", "msg_type"), description="event (H5 records may leave it out)."
        ),
        Field("event", required=True, sources=("Event", "event")),
        Field("event_key", sources=("EventKey", "event_key")),
        Field("ticket", sources=("Ticket",), description="The QR code's ticket on QR scans."),
        Field("create_time", "epoch_seconds", required=True, sources=("CreateTime", "create_time")),
        Field("phone", description="bind_phone: the number the follower verified by SMS code."),
    ),
    identifier_fields=(
        IdentifierField("openid", "wechat_openid", scope_field="app_id"),
        IdentifierField("unionid", "wechat_unionid"),
        IdentifierField("phone", "phone"),
    ),
    allowed_values={"msg_type": ("event",), "event": WECHAT_EVENTS + H5_EVENTS},
)

USERS = Entity(
    channel="wechat",
    entity="users",
    files=(
        FilePattern(
            "users-*.jsonl",
            "jsonl",
            name_fields=APP_ID_FROM_NAME,
            example="users-wx8a1b2c3d4e5f6a7b-20261101.jsonl",
        ),
    ),
    description="A follower record from the user-info API (cgi-bin/user/info), one JSON object per line as returned.",
    fields=(
        Field("app_id", required=True, description="The official account (from the file name)."),
        Field("openid", required=True),
        Field("unionid", description="Present when the account is bound to the company's open platform."),
        Field(
            "subscribe", "integer", description="1 while the user follows the account, 0 after unfollowing."
        ),
        Field("subscribe_time", "epoch_seconds"),
        Field("subscribe_scene", description="How they followed: ADD_SCENE_QR_CODE, ADD_SCENE_SEARCH, ..."),
        Field("qr_scene", "integer"),
        Field("qr_scene_str"),
        Field("language"),
        Field("remark", description="The account's note on the follower."),
        Field("groupid", "integer"),
        Field("tagid_list", "json"),
        Field("nickname", description="No longer returned by WeChat since 2021; kept for older exports."),
        Field("sex", "integer"),
        Field("city"),
        Field("province"),
        Field("country"),
        Field("headimgurl"),
        Field(
            "fetched_at",
            "timestamp",
            sources=("fetched_at", "_fetched_at"),
            description="When it was fetched.",
        ),
    ),
    identifier_fields=(
        IdentifierField("openid", "wechat_openid", scope_field="app_id"),
        IdentifierField("unionid", "wechat_unionid"),
    ),
)

ENTITIES = (EVENTS, USERS)
