"""WeChat official-account pushes: <xml>...</xml> documents one after another, as WeChat sent them.

Each document becomes a record of its child elements (element name -> text, CDATA unwrapped, surrounding
whitespace trimmed; an element with children becomes an object). Its line is the line the document starts on.
Text between documents, an unterminated document, XML that does not parse, or a DOCTYPE/ENTITY declaration
(never sent by WeChat, refused against entity expansion attacks) is a record with a parse error.
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


def split_documents(text: str) -> Iterator[tuple[int, str, str | None]]:
    """Yields (start line, document text, problem) for every document or stray text in a push file."""
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
            chunk = text[pos:end]
            yield line, chunk.rstrip(), "text outside an <xml> document"
        else:
            end, problem = _document_end(text, pos)
            chunk = text[pos:end]
            yield line, chunk, problem
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
    for line, doc, problem in split_documents(text):
        record = None
        if problem is None and decode_problem and "\ufffd" in doc:
            problem = f"document is {decode_problem} of the file"
        if problem is None:
            record, problem = parse_document(doc)
        builder.add(line + first_line - 1, doc, problem, record)
        if builder.full():
            yield builder.take()
    if builder.lines:
        yield builder.take()


def count(path: Path) -> int:
    """Gives the number of documents (and stray texts) in a push file."""
    return sum(1 for _ in split_documents(path.read_bytes().decode("utf-8", errors="replace")))
