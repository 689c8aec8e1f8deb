"""Where the last complete record of a landing file ends: what start-up recovery keeps of a torn file."""

from __future__ import annotations

import pytest

from connectors.collector.record_formats import JSONL, WECHAT_XML

DOC = b"<xml><MsgType><![CDATA[event]]></MsgType></xml>\n"
CDATA_DOC = b"<xml><Content><![CDATA[hello </xml>\nworld]]></Content></xml>\n"


@pytest.mark.parametrize(
    ("data", "kept"),
    [
        (b"", b""),
        (b'{"a": 1}\n{"b": 2}\n', b'{"a": 1}\n{"b": 2}\n'),
        (b'{"a": 1}\n{"b": ', b'{"a": 1}\n'),
        (b'{"a": 1}\n{"b": 2}', b'{"a": 1}\n'),
        (b'{"a": 1}\n\x00\x00\x00\n', b'{"a": 1}\n'),
        (b'{"a": 1}\n[1]\n', b'{"a": 1}\n'),
        (b'{"a": ', b""),
    ],
)
def test_json_lines_keep_every_complete_object_and_cut_the_torn_tail(data, kept):
    assert data[: JSONL.complete_length(data)] == kept
    assert b"".join(JSONL.records(kept)) == kept


@pytest.mark.parametrize(
    ("data", "kept"),
    [
        (DOC + DOC, DOC + DOC),
        (DOC + b"<xml><MsgType>ev", DOC),
        (DOC + b"<xml></xm", DOC),
        (CDATA_DOC + DOC, CDATA_DOC + DOC),
        (DOC + b"<xml><Content><![CDATA[hello </xml>\nwor", DOC),
        (b"<xml><a>", b""),
    ],
)
def test_wechat_xml_keeps_whole_documents_even_with_the_terminator_inside_cdata(data, kept):
    assert data[: WECHAT_XML.complete_length(data)] == kept
    assert b"".join(WECHAT_XML.records(kept)) == kept
