"""Reading a Runtime API request body with a size limit (Content-Length or chunked framing).

Strict RFC 9112 framing (https://www.rfc-editor.org/rfc/rfc9112#section-7.1): `chunked` is
the only transfer coding, a chunk size is hex digits only (no sign, no spaces), every chunk
ends in CRLF, and Content-Length with Transfer-Encoding is refused. The Function URL, which
faces clients, uses h11 (http_server.py); this serves the function's own runtime client.
"""

from __future__ import annotations

import re
from email.message import Message
from io import BufferedIOBase

from lambda_dataplane.errors import MalformedBodyError

_CHUNK = 64 * 1024
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})(?:;[^\r\n]*)?\r\n")
_MAX_TRAILERS = 64
# A body over the limit is read and dropped (so the 413 reaches the runtime on the same
# connection) only up to this many times the limit; beyond it the framing is refused.
_DRAIN_FACTOR = 4


def read_body(headers: Message, rfile: BufferedIOBase, limit: int) -> bytes | None:
    """The body, or None when it is over `limit` bytes. MalformedBodyError on bad framing."""
    coding = headers.get_all("Transfer-Encoding") or []
    if coding:
        if [c.strip().lower() for c in coding] != ["chunked"]:
            raise MalformedBodyError(f"unsupported Transfer-Encoding {', '.join(coding)!r}")
        if headers.get("Content-Length") is not None:
            raise MalformedBodyError("both Content-Length and Transfer-Encoding")
        return _read_chunked(rfile, limit)
    text = headers.get("Content-Length") or "0"
    if not text.isdigit() or not text.isascii():
        raise MalformedBodyError(f"bad Content-Length {text!r}")
    length = int(text)
    if length > limit:
        if length > _DRAIN_FACTOR * limit:
            raise MalformedBodyError(f"Content-Length {length} is far over the limit")
        _drain(rfile, length)
        return None
    body = rfile.read(length)
    if len(body) != length:
        raise MalformedBodyError(f"body ended after {len(body)} of {length} bytes")
    return body


def _drain(rfile: BufferedIOBase, length: int) -> None:
    while length > 0:
        got = rfile.read(min(_CHUNK, length))
        if not got:
            raise MalformedBodyError("body ended early")
        length -= len(got)


def _read_chunked(rfile: BufferedIOBase, limit: int) -> bytes | None:
    parts: list[bytes] = []
    total = 0
    while True:
        line = rfile.readline(1024)
        match = _CHUNK_SIZE.fullmatch(line)
        if match is None:
            raise MalformedBodyError(f"bad chunk size line {line[:40]!r}")
        size = int(match.group(1), 16)
        if size == 0:
            _read_trailers(rfile)
            return b"".join(parts) if total <= limit else None
        total += size
        if total > _DRAIN_FACTOR * limit:
            raise MalformedBodyError(f"chunked body passed {_DRAIN_FACTOR * limit} bytes")
        if total > limit:
            _drain(rfile, size)
        else:
            data = rfile.read(size)
            if len(data) != size:
                raise MalformedBodyError("chunk ended early")
            parts.append(data)
        if rfile.read(2) != b"\r\n":
            raise MalformedBodyError("chunk data not followed by CRLF")


def _read_trailers(rfile: BufferedIOBase) -> None:
    for _ in range(_MAX_TRAILERS):
        line = rfile.readline(1024)
        if line == b"\r\n":
            return
        if not line.endswith(b"\r\n"):
            raise MalformedBodyError("trailer section not terminated")
    raise MalformedBodyError("too many trailer lines")
