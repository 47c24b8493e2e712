"""RESP2, the Redis wire protocol, for the broker's lean pub/sub links: hiredis's C codec behind two names.

``command`` encodes one command (``hiredis.pack_command``); ``RespReader`` takes bytes as they arrive and
returns the complete replies in order, keeping a partial one until the rest comes (``hiredis.Reader``). Bulk and
simple strings come back as ``bytes``, integers as ``int``, errors as ``RespError`` values (not raised: the
caller decides), null as ``None`` and arrays as lists; bytes that are not RESP raise ``ValueError``. hiredis is
what redis-py itself parses with when it is installed, so presence and claims gain from it too.
"""

from __future__ import annotations

from typing import Any

import hiredis


class RespError(Exception):
    """An error reply from the server (``-ERR ...``)."""


def command(*args: str | bytes | int) -> bytes:
    """One command as a RESP array of bulk strings."""
    packed: bytes = hiredis.pack_command(args)  # type: ignore[arg-type]  # its stub types a 1-tuple
    return packed


class RespReader:
    """Incremental reply parser: ``feed(data)`` returns every reply completed by ``data``, in order."""

    __slots__ = ("_reader",)

    def __init__(self) -> None:
        self._reader = hiredis.Reader(replyError=RespError, protocolError=ValueError)

    def feed(self, data: bytes) -> list[Any]:
        reader = self._reader
        reader.feed(data)
        replies: list[Any] = []
        reply = reader.gets()
        while reply is not False:
            replies.append(reply)
            reply = reader.gets()
        return replies
