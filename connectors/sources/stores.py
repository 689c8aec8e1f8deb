"""Stores and one-item-one-code (一物一码) products: visits registered in store, and scans of the unique QR code
printed on each item, which opens an H5 page in WeChat (so the scan carries the scanner's OpenID)."""

from connectors.sources.contract import Entity, Field, FilePattern, IdentifierField

VISITS = Entity(
    channel="stores",
    entity="visits",
    files=(FilePattern("visits*.csv", "csv", example="visits-2026W44.csv"),),
    description="A visit registered in a store or showroom (reception tablet, appointment, test drive).",
    fields=(
        Field("visit_id", required=True),
        Field("store_id", required=True),
        Field("store_name"),
        Field("city"),
        Field("visited_at", "timestamp", required=True),
        Field("purpose", description="browse, consultation, test_drive, pickup, ..."),
        Field("name"),
        Field("phone"),
        Field("email"),
        Field("staff_id", description="The sales associate who received the visitor."),
    ),
    identifier_fields=(IdentifierField("phone", "phone"), IdentifierField("email", "email")),
)

PRODUCT_SCANS = Entity(
    channel="stores",
    entity="product_scans",
    files=(FilePattern("product-scans*.jsonl", "jsonl", example="product-scans-2026W44.jsonl"),),
    description="A scan of an item's unique QR code (one item, one code): authenticity check, warranty, rewards.",
    fields=(
        Field("scan_id", required=True),
        Field("code", required=True, description="The item's unique code."),
        Field("sku", required=True),
        Field("product_name"),
        Field("scanned_at", "timestamp", required=True),
        Field("scan_number", "integer", description="1 on the item's first scan; more means a re-scan."),
        Field("store_id", description="Where the item was sold or scanned, when known."),
        Field("app_id", description="The official account whose H5 page handled the scan."),
        Field("openid"),
        Field("unionid"),
        Field("phone", description="Entered for warranty or rewards."),
        Field("city"),
    ),
    identifier_fields=(
        IdentifierField("openid", "wechat_openid", scope_field="app_id"),
        IdentifierField("unionid", "wechat_unionid"),
        IdentifierField("phone", "phone"),
    ),
)

ENTITIES = (VISITS, PRODUCT_SCANS)
