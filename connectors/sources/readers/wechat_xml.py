"""WeChat official-account pushes: <xml>...</xml> documents one after another, as WeChat sent them.

Each document becomes a record of its child elements (element name -> text, CDATA unwrapped, surrounding
whitespace trimmed; an element with children becomes an object). Its line is the line the document starts on.
Text between documents, an unterminated document, XML that does not parse, or a DOCTYPE/ENTITY declaration
(never sent by WeChat, refused against entity expansion attacks) is a record with a parse error.

Most pushes are flat: child elements holding text or one CDATA section. Those are matched by one regular
expression that finds the document's end and its elements at once (reading 148 SF10 push files: 3.58 -> 2.53 s);
anything else (nested elements, attributes, entities, CR, characters XML forbids, a document the regular
expression does not take) goes the general way: its end found by scanning, its text parsed by ElementTree. Both
ways give the same documents and records (tests/unit/test_wechat_xml_reader.py).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from connectors.sources.readers.batches import BatchBuilder

_OPEN = re.compile(r"<xml[\s>]")
_NEXT_DOCUMENT = re.compile(r"\n[ \t]*<xml[\s>]")
_WHITESPACE = re.compile(r"\s*")
_CDATA_OPEN, _CDATA_CLOSE, _CLOSE = "<![CDATA[", "]]>", "</xml>"
_NAME = r"(?!xml>)[A-Za-z_][A-Za-z0-9_.-]*"  # an element named xml would end the document early
# CDATA up to its first ]]> and no further (atomic), or text with no markup, entity or ]
_FLAT_ELEMENT = rf"<({_NAME})>(?:<!\[CDATA\[(?>(.*?)\]\]>)|([^<&\]]*))</\1>"
_FLAT_DOCUMENT = re.compile(rf"<xml>(?:[ \t\n]*{_FLAT_ELEMENT})*[ \t\n]*</xml>", re.S)
_FLAT_ELEMENTS = re.compile(_FLAT_ELEMENT, re.S)
_NOT_FLAT = re.compile("[\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Characters ElementTree changes (CR) or refuses: a document holding one goes the general way."""


def split_documents(text: str) -> Iterator[tuple[int, str, str | None]]:
    """Yields (start line, document text, problem) for every document or stray text in a push file."""
    for line, doc, problem, _ in _documents(text):
        yield line, doc, problem


def _documents(text: str, flat: bool = True) -> Iterator[tuple[int, str, str | None, bool]]:
    """split_documents, and whether each document is flat (`flat=False` takes every document the general
    way)."""
    pos, line = 0, 1
    while pos < len(text):
        # a match from pos, not text[pos:].lstrip(): that copies the rest of the file for every document
        stripped = _WHITESPACE.match(text, pos).end()
        line += text.count("\n", pos, stripped)
        pos = stripped
        if pos >= len(text):
            return
        if not _OPEN.match(text, pos):
            nxt = _OPEN.search(text, pos)
            end = nxt.start() if nxt else len(text)
            yield line, text[pos:end].rstrip(), "text outside an <xml> document", False
        else:
            match = _FLAT_DOCUMENT.match(text, pos) if flat else None
            # the general way stops at a line opening the next document, even inside CDATA: so does this one
            is_flat = bool(match) and not _NEXT_DOCUMENT.search(text, pos, match.end())
            end, problem = (match.end(), None) if is_flat else _document_end(text, pos)
            yield line, text[pos:end], problem, is_flat
        line += text.count("\n", pos, end)
        pos = end


def _document_end(text: str, pos: int) -> tuple[int, str | None]:
    """Gives where the document at `pos` ends: its </xml> outside CDATA, or, when it is cut short, the next
    line that opens a document (so one broken push never swallows the next)."""
    nxt = _NEXT_DOCUMENT.search(text, pos)
    boundary = nxt.start() if nxt else len(text)
    cursor = pos
    while True:
        close = text.find(_CLOSE, cursor, boundary)
        cdata = text.find(_CDATA_OPEN, cursor, boundary)
        if 0 <= cdata and (close < 0 or cdata < close):
            cdata_end = text.find(_CDATA_CLOSE, cdata, boundary)
            if cdata_end < 0:
                return boundary, "CDATA section is not closed"
            cursor = cdata_end + len(_CDATA_CLOSE)
            continue
        if close < 0:
            return boundary, "document has no closing </xml>"
        return close + len(_CLOSE), None


def _element(node: ET.Element) -> Any:
    if len(node):
        record: dict[str, Any] = {}
        for child in node:
            record.setdefault(child.tag, _element(child))
        return record
    return (node.text or "").strip()


def _flat_record(doc: str) -> dict | None:
    """Gives the record of a flat document as ElementTree would (the first of repeated elements, texts trimmed),
    or None when the document holds a character that needs ElementTree."""
    if _NOT_FLAT.search(doc) or "<!DOCTYPE" in doc or "<!ENTITY" in doc:
        return None
    record: dict[str, str] = {}
    for name, cdata, text in _FLAT_ELEMENTS.findall(doc, 5):
        record.setdefault(name, (cdata or text).strip())
    return record


def parse_document(doc: str) -> tuple[dict | None, str | None]:
    """Gives (record, None) for a push document, or (None, what is wrong with it)."""
    if "<!DOCTYPE" in doc or "<!ENTITY" in doc:
        return None, "document declares a DOCTYPE or ENTITY, which WeChat never sends"
    try:
        root = ET.fromstring(doc)
    except ET.ParseError as exc:
        return None, f"document is not well-formed XML: {exc}"
    record = _element(root)
    return (record if isinstance(record, dict) else {}), None


def read(path: Path, start: int = 0, first_line: int = 1) -> Iterator[pa.Table]:
    """Yields Arrow tables of the push documents from byte `start` (lines numbered from `first_line`)."""
    with path.open("rb") as handle:
        handle.seek(start)
        raw = handle.read()
    try:
        text, decode_problem = raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        text, decode_problem = raw.decode("utf-8", errors="replace"), f"not valid UTF-8 at byte {exc.start}"
    builder = BatchBuilder()
    for line, doc, problem, is_flat in _documents(text):
        record = None
        if problem is None and decode_problem and "\ufffd" in doc:
            problem = f"document is {decode_problem} of the file"
        if problem is None:
            record = _flat_record(doc) if is_flat else None
            if record is None:
                record, problem = parse_document(doc)
        builder.add(line + first_line - 1, doc, problem, record)
        if builder.full():
            yield builder.take()
    if builder.lines:
        yield builder.take()


def count(path: Path) -> int:
    """Gives the number of documents (and stray texts) in a push file."""
    return sum(1 for _ in split_documents(path.read_bytes().decode("utf-8", errors="replace")))
