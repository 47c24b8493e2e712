"""RESP2, the Redis wire protocol, as far as the broker's pub/sub links speak it: commands out, replies in.

Pure (no I/O): ``command`` encodes one command; ``RespReader`` takes bytes as they arrive and returns the
complete replies, keeping a partial one until the rest comes. Bulk strings come back as ``bytes``, simple
strings as ``str``, integers as ``int``, errors as ``RespError`` values (not raised: the caller decides),
null as ``None`` and arrays as lists.
"""

from __future__ import annotations

from typing import Any

CRLF = b"\r\n"
MESSAGE = b"*3\r\n$7\r\nmessage\r\n"


class RespError(Exception):
    """An error reply from the server (``-ERR ...``)."""


def command(*args: str | bytes | int) -> bytes:
    """One command as a RESP array of bulk strings."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode()
        out.append(b"$%d\r\n" % len(data))
        out.append(data)
        out.append(CRLF)
    return b"".join(out)


class Incomplete(Exception):
    """The buffer ends inside a reply: wait for more bytes."""


class RespReader:
    """Incremental reply parser: ``feed(data)`` returns every reply completed by ``data``, in order."""

    __slots__ = ("_buffer",)

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Any]:
        buffer = self._buffer
        buffer += data
        replies: list[Any] = []
        pos = 0
        end = len(buffer)
        while pos < end:
            try:
                if buffer.startswith(MESSAGE, pos):  # the common push, without the general parser
                    reply, pos_after = _message(buffer, pos + len(MESSAGE))
                else:
                    reply, pos_after = _parse(buffer, pos)
            except Incomplete:
                break
            replies.append(reply)
            pos = pos_after
        if pos:
            del buffer[:pos]
        return replies


def _message(buffer: bytearray, pos: int) -> tuple[list[Any], int]:
    """The channel and payload of a pushed message (its ``*3 $7 message`` head already read)."""
    channel, pos = _bulk(buffer, pos)
    payload, pos = _bulk(buffer, pos)
    return [b"message", channel, payload], pos


def _bulk(buffer: bytearray, pos: int) -> tuple[bytes, int]:
    """One non-null bulk string at ``pos``."""
    stop = buffer.find(CRLF, pos)
    if stop < 0:
        raise Incomplete
    if buffer[pos] != 36:
        raise ValueError("a bulk string was expected")
    start = stop + 2
    stop = start + int(buffer[pos + 1 : stop])
    if stop + 2 > len(buffer):
        raise Incomplete
    return bytes(buffer[start:stop]), stop + 2


def _line(buffer: bytearray, pos: int) -> tuple[bytes, int]:
    """The line starting at ``pos`` (without its CRLF) and the position after it."""
    stop = buffer.find(CRLF, pos)
    if stop < 0:
        raise Incomplete
    return bytes(buffer[pos:stop]), stop + 2


def _parse(buffer: bytearray, pos: int) -> tuple[Any, int]:
    """One reply starting at ``pos``: (value, position after it); Incomplete if it is not all there."""
    if pos >= len(buffer):
        raise Incomplete
    kind = buffer[pos]
    line, pos = _line(buffer, pos + 1)
    if kind == 36:  # $ bulk string
        size = int(line)
        if size < 0:
            return None, pos
        stop = pos + size
        if stop + 2 > len(buffer):
            raise Incomplete
        return bytes(buffer[pos:stop]), stop + 2
    if kind == 42:  # * array
        count = int(line)
        if count < 0:
            return None, pos
        items = []
        for _ in range(count):
            item, pos = _parse(buffer, pos)
            items.append(item)
        return items, pos
    if kind == 58:  # : integer
        return int(line), pos
    if kind == 43:  # + simple string
        return line.decode(), pos
    if kind == 45:  # - error
        return RespError(line.decode(errors="replace")), pos
    raise ValueError(f"not a RESP2 reply: {bytes([kind])!r}")
