"""The two record formats of landing files and how to find where the last complete record ends.

A record is written whole, with its terminator, in one group commit. A crash can still leave a torn tail (the
part of a batch that was being written); it was never acknowledged, so recovery cuts the file back to the end of
its last complete record.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

XML_END = b"</xml>\n"


class RecordFormat(Protocol):
    suffix: str

    def complete_length(self, data: bytes) -> int:
        """Gives the length of the prefix of `data` that ends with a complete record."""
        ...

    def records(self, data: bytes) -> Iterator[bytes]:
        """Yields each complete record of `data`, with its terminator."""
        ...


@dataclass(frozen=True)
class JsonLines:
    """One JSON object per line, each line ending with a newline (JSON text never holds a raw newline)."""

    suffix: str = ".jsonl"

    def complete_length(self, data: bytes) -> int:
        # Only the tail can be torn (appends are sequential), so walk back over lines that are cut or not JSON.
        end = len(data)
        while end > 0:
            if data[end - 1 : end] != b"\n":
                end = data.rfind(b"\n", 0, end) + 1
                continue
            start = data.rfind(b"\n", 0, end - 1) + 1
            try:
                if isinstance(json.loads(data[start : end - 1]), dict):
                    return end
            except ValueError:
                pass
            end = start
        return 0

    def records(self, data: bytes) -> Iterator[bytes]:
        start = 0
        while (newline := data.find(b"\n", start)) >= 0:
            yield data[start : newline + 1]
            start = newline + 1


@dataclass(frozen=True)
class WeChatXml:
    """A sequence of <xml>...</xml> documents, each followed by a newline.

    A document may itself contain '</xml>' and a newline inside CDATA (a follower can type anything into a text
    message), so a document ends at the first '</xml>\\n' after which the bytes so far parse as one <xml> element.
    """

    suffix: str = ".xml"

    def complete_length(self, data: bytes) -> int:
        length = 0
        for _, end in self._spans(data):
            length = end
        return length

    def records(self, data: bytes) -> Iterator[bytes]:
        for start, end in self._spans(data):
            yield data[start:end]

    def _spans(self, data: bytes) -> Iterator[tuple[int, int]]:
        start = 0
        while start < len(data):
            search = start
            while True:
                cut = data.find(XML_END, search)
                if cut < 0:
                    return
                end = cut + len(XML_END)
                if is_xml_document(data[start:end]):
                    break
                search = end
            yield start, end
            start = end


def is_xml_document(document: bytes) -> bool:
    """Tells whether the bytes are one well-formed document whose root element is <xml>."""
    try:
        return ET.fromstring(document).tag == "xml"
    except ET.ParseError:
        return False


JSONL = JsonLines()
WECHAT_XML = WeChatXml()


def received_at() -> str:
    """Gives the current time as ISO 8601 UTC with microseconds ('...Z'): the _received_at of landed records."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
