"""The WeChat push reader's flat-document way (one regular expression) gives exactly what the general way
(scanning for the document's end, ElementTree for its elements) gives: the same documents, lines, problems and
records, on pushes built to sit on the border between the two."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from connectors.sources.readers.wechat_xml import _documents, _flat_record, parse_document

NAMES = st.sampled_from(
    ["ToUserName", "FromUserName", "Event", "EventKey", "a.b", "_x-1", "xml", "名字", "A"]
)
TEXTS = st.one_of(
    st.sampled_from(
        ["", " ", "gh_1", " padded ", "qrscene_1001", "a]b", "x]]>y", "&amp;", "<", "\r\n", "\t\n"]
    ),
    st.text(max_size=8),
    st.text(alphabet=st.sampled_from(["a", " ", "\n", "]", ">", "<", "&", "\x01", "\ufffe", "中", "\u3000"])),
)
# mostly what WeChat sends, so that whole documents often take the flat way
SPACES = st.sampled_from(["", "\n", "\n", " \t\n  ", "", "\n", "\u3000", "\r\n", "junk"])


SHAPES = {
    "text": "<{n}>{t}</{n}>",
    "cdata": "<{n}><![CDATA[{t}]]></{n}>",
    "cdata_padded": "<{n}> <![CDATA[{t}]]> </{n}>",
    "nested": "<{n}><Inner>{t}</Inner></{n}>",
    "empty": "<{n}/>",
    "attribute": '<{n} a="1">{t}</{n}>',
    "mismatched": "<{n}>{t}</Other>",
}


@st.composite
def elements(draw) -> str:
    shape = draw(st.sampled_from(["text", "cdata", *SHAPES]))  # flat shapes twice as often
    return SHAPES[shape].format(n=draw(NAMES), t=draw(TEXTS))


@st.composite
def push_files(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        body = "".join(draw(SPACES) + draw(elements()) for _ in range(draw(st.integers(0, 5))))
        opening = draw(st.sampled_from(["<xml>", "<xml>", "<xml >", "\n<xml>", "stray<xml>"]))
        closing = draw(st.sampled_from(["</xml>", "</xml>", "\n</xml>", "", "</xml>trailing"]))
        parts.append(opening + body + draw(SPACES) + closing)
    return draw(st.sampled_from(["\n", "", "\n\n  "])).join(parts)


def _general(text: str) -> list:
    return [
        (line, doc, problem, parse_document(doc) if problem is None else (None, problem))
        for line, doc, problem, _ in _documents(text, flat=False)
    ]


def _flat(doc: str, is_flat: bool) -> tuple | None:
    record = _flat_record(doc) if is_flat else None
    return None if record is None else (record, None)


def _flat_first(text: str) -> list:
    return [
        (line, doc, problem, (None, problem) if problem else _flat(doc, is_flat) or parse_document(doc))
        for line, doc, problem, is_flat in _documents(text)
    ]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(text=push_files())
@example(text="<xml><xml>a</xml><B>b</B></xml>")  # a child named xml ends the document
@example(text="<xml><A><![CDATA[one\n<xml>two]]></A></xml>\n<xml><B>b</B></xml>")  # a next document's line
@example(text="<xml><A><![CDATA[x]]>y]]></A></xml>")  # CDATA ends at its first ]]>
@example(text="<xml><A>x]]>y</A><B> b </B></xml>")  # ]]> is not allowed in text
@example(text="<xml><A>a\r\nb</A></xml>")  # XML turns CR LF into LF
def test_flat_documents_read_the_same_as_through_elementtree(text):
    assert _flat_first(text) == _general(text)


def test_flat_way_takes_the_usual_pushes():
    push = (
        "<xml>\n<ToUserName><![CDATA[gh_1]]></ToUserName>\n<CreateTime>1700000000</CreateTime>\n"
        "<Event><![CDATA[ subscribe ]]></Event>\n<Event>second</Event>\n</xml>"
    )
    (line, doc, problem, is_flat), second = list(_documents(push + "\n" + push))
    assert (line, problem, is_flat, second[0], second[3]) == (1, None, True, 7, True)
    assert _flat_record(doc) == {"ToUserName": "gh_1", "CreateTime": "1700000000", "Event": "subscribe"}
