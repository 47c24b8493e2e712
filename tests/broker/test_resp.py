"""The RESP2 codec of the broker's lean links (hiredis behind server.broker.resp; no Redis needed)."""

from __future__ import annotations

import pytest

from server.broker.resp import RespError, RespReader, command


def test_command_is_an_array_of_bulk_strings() -> None:
    assert command("PUBLISH", "u:1", "héllo") == b"*3\r\n$7\r\nPUBLISH\r\n$3\r\nu:1\r\n$6\r\nh\xc3\xa9llo\r\n"
    assert command("SELECT", 2) == b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n"


def test_every_reply_kind() -> None:
    reader = RespReader()
    replies = reader.feed(b"+OK\r\n:42\r\n$3\r\nabc\r\n$-1\r\n*-1\r\n-ERR wrong\r\n*2\r\n$1\r\na\r\n:7\r\n$0\r\n\r\n")
    assert replies[:5] == [b"OK", 42, b"abc", None, None]
    assert isinstance(replies[5], RespError) and str(replies[5]) == "ERR wrong"
    assert replies[6:] == [[b"a", 7], b""]


def test_a_reply_split_anywhere_comes_out_once_whole() -> None:
    payload = "M|" + '{"t":"msg","text":"\\r\\n inside"}' * 20
    wire = (
        b"*3\r\n$9\r\nsubscribe\r\n$3\r\nu:1\r\n:1\r\n"
        + b"*3\r\n$7\r\nmessage\r\n$3\r\nu:1\r\n$%d\r\n%s\r\n" % (len(payload.encode()), payload.encode())
        + b":5\r\n"
    )
    for cut in range(1, len(wire)):
        reader = RespReader()
        got = reader.feed(wire[:cut]) + reader.feed(wire[cut:])
        assert got == [[b"subscribe", b"u:1", 1], [b"message", b"u:1", payload.encode()], 5], cut
    byte_by_byte = RespReader()
    assert [r for i in range(len(wire)) for r in byte_by_byte.feed(wire[i : i + 1])][-1] == 5


def test_bulk_strings_may_hold_crlf_and_binary() -> None:
    data = b"a\r\nb\x00\xff"
    assert RespReader().feed(b"$%d\r\n%s\r\n" % (len(data), data)) == [data]


def test_garbage_is_refused() -> None:
    with pytest.raises(ValueError):
        RespReader().feed(b"?what\r\n")
