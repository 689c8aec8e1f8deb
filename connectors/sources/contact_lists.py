"""Marketer-uploaded contact lists: trade-show lead lists, purchased lists, business-card scans, as CSV or XLSX.

One file per list: the file name (without extension) is the list id, which scopes the list's own ids
(external_id becomes '<list_id>:<id>'). Headers are matched trimmed and lower-cased against each field's
accepted names, Chinese or English (the documented column mapping below); a header outside the mapping becomes
a new column of raw.contact_lists_contacts.
"""

from connectors.sources.contract import Entity, Field, FilePattern, IdentifierField

LIST_ID_FROM_NAME = r"(?P<list_id>.+)\.(?:csv|xlsx)$"

CONTACTS = Entity(
    channel="contact_lists",
    entity="contacts",
    files=(
        FilePattern("*.csv", "csv", name_fields=LIST_ID_FROM_NAME, example="2026-10-expo-shanghai.csv"),
        FilePattern("*.xlsx", "xlsx", name_fields=LIST_ID_FROM_NAME, example="2026-10-expo-shanghai.xlsx"),
    ),
    description="A person on an uploaded contact list.",
    fields=(
        Field("list_id", required=True, sources=("list_id", "名单编号")),
        Field("external_id", sources=("external_id", "id", "编号", "客户编号", "线索编号")),
        Field("name", sources=("name", "姓名", "联系人", "客户姓名")),
        Field("phone", sources=("phone", "mobile", "手机", "手机号", "手机号码", "电话", "联系电话")),
        Field("email", sources=("email", "e-mail", "邮箱", "电子邮箱", "邮件")),
        Field("company", sources=("company", "公司", "公司名称", "单位", "企业名称")),
        Field("title", sources=("title", "职位", "职务", "头衔")),
        Field("department", sources=("department", "部门")),
        Field("industry", sources=("industry", "行业")),
        Field("city", sources=("city", "城市", "所在城市")),
        Field("province", sources=("province", "省份")),
        Field(
            "wechat_handle", sources=("wechat", "微信", "微信号"), description="A WeChat ID (not an OpenID)."
        ),
        Field("source", sources=("source", "来源", "展会", "活动名称")),
        Field("collected_at", "timestamp", sources=("collected_at", "date", "日期", "登记时间", "采集时间")),
        Field("consent", sources=("consent", "同意接收营销信息", "是否同意")),
        Field("notes", sources=("notes", "备注")),
    ),
    identifier_fields=(
        IdentifierField("phone", "phone"),
        IdentifierField("email", "email"),
        IdentifierField("external_id", "external_id", scope_field="list_id"),
    ),
)

ENTITIES = (CONTACTS,)
