"""Reading HTTP request bodies with a size limit (Content-Length or chunked framing)."""

from __future__ import annotations

from email.message import Message
from io import BufferedIOBase

from lambda_dataplane.errors import MalformedBodyError

_CHUNK = 64 * 1024


def read_body(headers: Message, rfile: BufferedIOBase, limit: int) -> bytes | None:
    """The body, or None when it is over `limit` bytes (the rest is drained so the
    connection can still carry the 413 answer)."""
    if "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        return _read_chunked(rfile, limit)
    try:
        length = int(headers.get("Content-Length") or 0)
    except ValueError as err:
        raise MalformedBodyError(f"bad Content-Length {headers.get('Content-Length')!r}") from err
    if length < 0:
        raise MalformedBodyError(f"negative Content-Length {length}")
    if length > limit:
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
            return
        length -= len(got)


def _read_chunked(rfile: BufferedIOBase, limit: int) -> bytes | None:
    parts: list[bytes] = []
    total = 0
    while True:
        line = rfile.readline(1024).split(b";", 1)[0].strip()
        try:
            size = int(line, 16)
        except ValueError as err:
            raise MalformedBodyError(f"bad chunk size {line!r}") from err
        if size == 0:
            while rfile.readline(1024).strip():  # trailers, up to the blank line
                pass
            return b"".join(parts) if total <= limit else None
        total += size
        if total > limit:
            _drain(rfile, size)
        else:
            parts.append(rfile.read(size))
        rfile.readline(8)  # the CRLF after each chunk
