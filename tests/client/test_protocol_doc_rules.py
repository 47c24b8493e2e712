"""docs/protocol.md's rules, checked from the doc's side against parley.protocol (shared by the server and
the widget): link card ports, control characters, text limits and trimming, positions, URL white space."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from parley import protocol as P


def refused(text: str, code: str = P.E_BAD_FIELD) -> P.ProtocolError:
    with pytest.raises(P.ProtocolError) as info:
        P.parse_client_frame(text)
    assert info.value.code == code, info.value
    return info.value


def client(**frame: object) -> dict[str, object]:
    return P.parse_client_frame(json.dumps(frame))


def share(url: str, **data: object) -> str:
    return json.dumps({"t": "share", "cid": "s1", "conv": 3, "data": {"url": url, **data}})


# -- link cards: "a port (if any) in 1..65535" -------------------------------------------------------


@pytest.mark.parametrize("url", ["http://example.com:0/", "https://example.com:00/x", "http://[::1]:0/",
                                 "http://example.com:65536/"])
def test_a_port_outside_1_to_65535_is_refused(url: str) -> None:
    with pytest.raises(P.ProtocolError):
        P.check_url(url)
    refused(share(url))


@pytest.mark.parametrize("url", ["http://example.com:1/", "https://example.com:65535/x", "http://[::1]:8080/"])
def test_a_port_in_1_to_65535_is_accepted(url: str) -> None:
    assert P.check_url(url) == url
    assert client(t="share", cid="s1", conv=3, data={"url": url})["data"]["url"] == url  # type: ignore[index]


# -- control characters: C0, DEL and C1 (U+0080..U+009F) ---------------------------------------------

C1 = ["\x80", "\x85", "\x9b", "\x9f"]


@pytest.mark.parametrize("ch", [*C1, "\x00", "\x1b", "\x7f"])
def test_message_text_with_a_control_character_is_refused(ch: str) -> None:
    error = refused(json.dumps({"t": "send", "cid": "c1", "conv": 3, "kind": "text", "text": f"a{ch}b"}))
    assert "control character" in error.message and error.ref == "c1"
    with pytest.raises(P.ProtocolError):
        P.make_send("c1", 3, f"a{ch}b")  # the widget's own check is the same


@pytest.mark.parametrize("ch", [*C1, "\x01", "\x7f"])
def test_single_line_strings_have_control_characters_replaced_by_spaces(ch: str) -> None:
    frame = client(t="share", cid="s1", conv=3, data={"url": "https://a.example/", "title": f"Red{ch}shoes",
                                                      "description": f"x{ch}"})
    assert frame["data"] == {"url": "https://a.example/", "title": "Red shoes", "description": "x "}
    assert client(t="page", url="https://a.example/", title=f"A{ch}B")["title"] == "A B"


@pytest.mark.parametrize("ch", C1)
def test_urls_with_a_c1_control_character_are_refused(ch: str) -> None:
    with pytest.raises(P.ProtocolError):
        P.check_url(f"https://a.example/{ch}")


def test_printable_non_ascii_text_is_kept() -> None:
    text = "caf\u00e9 \u00a0\u00ff \u4e2d\u6587 \U0001f600"
    assert client(t="send", cid="c1", conv=3, kind="text", text=text)["text"] == text


# -- the same rules under MicroPython (the widget's runtime) ------------------------------------------

MICROPYTHON_CHECKS = r'''
from parley import protocol as P

def refused(call):
    try:
        call()
    except P.ProtocolError:
        return True
    return False

assert refused(lambda: P.check_url("http://example.com:0/"))
assert P.check_url("http://example.com:1/") == "http://example.com:1/"
assert refused(lambda: P.make_send("c1", 3, "a\x85b"))
assert refused(lambda: P.check_url("https://a.example/\u3000x"))
assert refused(lambda: P.check_url("https://a.example/\u00a0x"))
assert P.check_url("https://a.example/caf\u00e9") == "https://a.example/caf\u00e9"
assert len(P.make_send("c1", 3, "\U0001f600" * 4000)["text"]) == 4000
assert P.parse_client_frame('{"t":"page","url":"https://a.example/","title":"A\\u009fB"}')["title"] == "A B"
try:
    P.parse_client_frame('{"t":"\\ud800","cid":"\\ud800"}')
except P.ProtocolError as exc:
    assert exc.ref is None and exc.code == P.E_UNKNOWN_TYPE
print("MP-RULES-OK")
'''


def test_the_rules_hold_under_micropython(tmp_path: Path) -> None:
    from test_client_micropython import run_under_micropython

    script = tmp_path / "rules.py"
    script.write_text(MICROPYTHON_CHECKS)
    result = run_under_micropython(script)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "MP-RULES-OK" in result.stdout


# -- URLs: no white space of any kind; `page.url` follows the link card rules -------------------------


@pytest.mark.parametrize("space", ["\u00a0", "\u1680", "\u2002", "\u200a", "\u2028", "\u2029", "\u202f",
                                   "\u205f", "\u3000", "\x85"])
def test_urls_with_non_ascii_white_space_are_refused(space: str) -> None:
    assert space.isspace()
    with pytest.raises(P.ProtocolError):
        P.check_url(f"https://a.example/x{space}y")
    refused(share(f"https://a.example/x{space}y"))


def test_urls_with_other_non_ascii_characters_are_kept() -> None:
    url = "https://a.example/caf\u00e9/\u4e2d"
    assert P.check_url(url) == url


@pytest.mark.parametrize("url", ["javascript:alert(1)", "/relative", "https://user@a.example/", "http://a.example:0/",
                                 "https://a.example/a b", "https://a.example/\u00a0", "ftp://a.example/"])
def test_page_urls_follow_the_link_card_rules(url: str) -> None:
    refused(json.dumps({"t": "page", "url": url}))
    with pytest.raises(P.ProtocolError):
        P.make_hello("tok", page={"url": url, "title": "T"})


# -- text: 1..4000 code points, counted by code point (not UTF-16 units) ------------------------------


def test_the_text_limit_counts_code_points() -> None:
    emoji = "\U0001f600" * P.MAX_TEXT_CHARS  # 4000 code points, 8000 UTF-16 units in JavaScript
    frame = P.encode({"t": "send", "cid": "c1", "conv": 3, "kind": "text", "text": emoji})  # 16,000+ bytes
    assert P.parse_client_frame(frame)["text"] == emoji
    assert P.make_send("c1", 3, emoji)["text"] == emoji  # the widget's own check agrees
    refused(json.dumps({"t": "send", "cid": "c1", "conv": 3, "kind": "text", "text": "a" * 4001}))


def test_blank_text_is_refused_and_other_text_is_not_trimmed_by_the_protocol() -> None:
    refused(json.dumps({"t": "send", "cid": "c1", "conv": 3, "kind": "text", "text": " \n\t "}))
    assert client(t="send", cid="c1", conv=3, kind="text", text=" hi \r\n")["text"] == " hi \n"


# -- positions: 0 means "nothing held" in resume, history.after and read.pos; ids start at 1 -------------


def test_position_zero_is_accepted_where_a_client_may_hold_nothing() -> None:
    assert client(t="hello", v=1, token="tok", resume={"12": 0})["resume"] == {12: 0}
    assert client(t="history", rid="r1", conv=12, after=0)["after"] == 0
    assert client(t="read", conv=12, pos=0)["pos"] == 0
    for frame in ({"t": "read", "conv": 0, "pos": 1}, {"t": "hello", "v": 1, "token": "t", "resume": {"0": 1}},
                  {"t": "read", "conv": 12, "pos": -1}):
        refused(json.dumps(frame))
