"""A reader of the collector's landing files written apart from the collector's code, to check what it wrote.

It parses files the way a consumer would from the contract alone (CONTRACTS.md, "Collector landing files"): a
WeChat file is <xml> documents one after another, a JSONL file is one JSON object per newline-terminated line.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path


def wechat_documents(path: Path) -> list[ET.Element]:
    """Gives the <xml> documents of a WeChat pushes file; fails on anything else between them."""
    data = path.read_bytes()
    assert data.endswith(b"</xml>\n"), f"{path} does not end with a complete document"
    root = ET.fromstring(b"<landed>" + data + b"</landed>")
    assert all(child.tag == "xml" for child in root), f"{path} holds elements other than <xml>"
    assert (root.text or "").strip() == "" and all((c.tail or "").strip() == "" for c in root)
    return list(root)


def json_lines(path: Path) -> list[dict]:
    """Gives the objects of a JSONL landing file; fails on a line that is not a JSON object."""
    data = path.read_bytes()
    assert data.endswith(b"\n"), f"{path} does not end with a newline"
    records = [json.loads(line) for line in data.split(b"\n")[:-1]]
    assert all(isinstance(r, dict) for r in records)
    return records


def closed_files(landing: Path, channel: str) -> list[Path]:
    return sorted(p for p in (landing / channel).glob("*") if not p.name.endswith(".open"))


def open_files(landing: Path) -> list[Path]:
    return sorted(landing.rglob("*.open"))
