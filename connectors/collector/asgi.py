"""The little of ASGI the collector needs: the request as read, bodies with a size limit, and responses."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from connectors.collector.request_checks import TooLarge

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass
class HttpRequest:
    """Method, path, query (first value of each name), headers (lower-case names) and the body receiver."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    client: str
    receive: Receive

    @classmethod
    def from_scope(cls, scope: Scope, receive: Receive) -> HttpRequest:
        query = {k: v[0] for k, v in parse_qs(scope.get("query_string", b"").decode("latin-1")).items()}
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        client = scope.get("client") or ("", 0)
        return cls(scope["method"], scope["path"], query, headers, str(client[0]), receive)

    async def body(self, limit: int) -> bytes:
        """Gives the whole body; TooLarge as soon as it is known to exceed `limit` bytes."""
        declared = self.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise TooLarge(f"body is {declared} bytes; at most {limit} bytes are accepted here")
        chunks, size = [], 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                raise ConnectionResetError("client went away before sending the whole body")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"body is more than {limit} bytes; at most {limit} bytes are accepted here")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


@dataclass
class HttpResponse:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, payload: object, headers: tuple[tuple[str, str], ...] = ()) -> HttpResponse:
        return cls(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), headers=headers)

    @classmethod
    def text(cls, status: int, text: str) -> HttpResponse:
        return cls(status, text.encode("utf-8"), "text/plain; charset=utf-8")

    async def send(self, send: Send) -> None:
        headers = [
            (b"content-type", self.content_type.encode("latin-1")),
            (b"content-length", str(len(self.body)).encode("latin-1")),
        ]
        headers += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})
