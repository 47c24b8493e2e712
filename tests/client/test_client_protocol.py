"""parley.protocol on CPython: every frame type, every refusal, and property tests."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from parley import protocol as P


def refused(text: str, code: str) -> P.ProtocolError:
    with pytest.raises(P.ProtocolError) as info:
        P.parse_client_frame(text)
    assert info.value.code == code, info.value
    return info.value


def client(**frame: object) -> dict[str, object]:
    return P.parse_client_frame(json.dumps(frame))


# -- client frames, accepted and normalized ---------------------------------------------------------


def test_every_client_frame_type_round_trips_through_its_constructor() -> None:
    frames = [
        P.make_hello("t0k", resume={5: 9}, page={"url": "https://a.example/x", "title": "X"}, device="tab-1"),
        P.make_send("c1", 5, text="hello"),
        P.make_send("c2", 5, data={"url": "https://a.example/", "title": "A", "description": "d"}),
        P.make_share("c3", {"url": "http://b.example/p"}, to=[2, 3]),
        P.make_share("c4", {"url": "http://b.example/p"}, conv=5, text="look"),
        P.make_typing(5),
        P.make_read(5, 12),
        P.make_presence("hidden"),
        P.make_page("https://a.example/next", "Next"),
        P.make_ping(),
        P.make_history("r1", 5, before=40, limit=20),
        P.make_history("r2", 5, after=3),
        P.make_settings(),
        P.make_settings("s1", status="hidden", hidden=True, share_title=False, sound="off"),
        P.make_settings("s2", findable="nobody", requests="friends_of_friends"),
        P.make_share("c5", {"url": "http://b.example/p"}, to=[2], convs=[7, 8], text="both"),
        P.make_friend("f1", "request", username="bob"),
        P.make_friend("f2", "block", user=4),
        P.make_find("q1", "bo"),
        P.make_invite("i1", "create", url="https://a.example/page"),
        P.make_invite("i2", "accept", code="Zx9-abc"),
        P.make_invite("i3", "list"),
        P.make_group("g1", "create", users=[2, 3], title="Book club"),
        P.make_group("g2", "remove", conv=7, user=3),
        P.make_group("g3", "leave", conv=7),
        P.make_search("s1", "picnic", before=40),
        P.make_edit("e1", 7, 12, "fixed"),
        P.make_delete("d1", 7, 12),
        P.make_react("r1", 7, 12, P.REACTIONS[0], on=False),
        P.make_send("c6", 5, text="yes", reply_to=12),
        P.make_hello("t0k", resume={5: 9}, changes={5: 3}),
        P.make_report("m1", "spam", conv=5, msg=40, note="ads"),
        P.make_report("m2", "other", user=4),
    ]
    assert {frame["t"] for frame in frames} == set(P.CLIENT_FRAMES)
    for frame in frames:
        decoded = P.parse_client_frame(P.encode(frame))
        if frame["t"] == P.HELLO:
            assert decoded["resume"] == {5: 9}
            decoded["resume"] = {"5": 9}
            if "changes" in decoded:
                assert decoded["changes"] == {5: 3}
                decoded["changes"] = {"5": 3}
        assert decoded == frame


def test_encode_is_compact_utf8_json() -> None:
    text = P.encode(P.make_send("c1", 5, text="héllo ☃ 😀"))
    assert " " not in text.replace("héllo ☃ 😀", "")
    assert "héllo ☃ 😀" in text  # as characters, not \\u escapes (MicroPython cannot join surrogate pairs)
    text.encode("utf-8")  # always valid UTF-8
    assert json.loads(text)["text"] == "héllo ☃ 😀"


def test_unknown_fields_are_dropped_and_nulls_count_as_absent() -> None:
    frame = client(t="history", rid="r", conv=1, before=None, extra={"x": 1})
    assert frame == {"t": "history", "rid": "r", "conv": 1, "limit": P.DEFAULT_HISTORY_LIMIT}


def test_text_is_normalized_and_bounded() -> None:
    assert client(t="send", cid="c", conv=1, kind="text", text="a\r\nb\rc\td")["text"] == "a\nb\nc\td"
    assert client(t="send", cid="c", conv=1, kind="text", text="x" * P.MAX_TEXT_CHARS)["text"]
    refused(json.dumps({"t": "send", "cid": "c", "conv": 1, "kind": "text", "text": "x" * 4001}), P.E_BAD_FIELD)
    for bad in ["", " \n\t ", "a\x00b", "a\x1bb", "a\x7fb", "\ud800"]:
        refused(json.dumps({"t": "send", "cid": "c", "conv": 1, "kind": "text", "text": bad}), P.E_BAD_FIELD)


def test_single_line_strings_lose_control_characters() -> None:
    frame = client(t="page", url="https://a.example/", title="Tab\tname\nhere\x00")
    assert frame["title"] == "Tab name here "


def test_a_text_send_drops_stray_data_and_a_share_send_needs_data() -> None:
    frame = client(t="send", cid="c", conv=1, kind="text", text="x", data={"url": "https://a.example/"})
    assert "data" not in frame
    refused('{"t":"send","cid":"c","conv":1,"kind":"share","text":"x"}', P.E_BAD_FIELD)


@pytest.mark.parametrize(
    "cid", ["", "x" * 65, "has space", "tab\t", "é", 5, None, ["a"]], ids=lambda value: repr(value)[:12]
)
def test_client_ids_are_1_to_64_visible_ascii(cid: object) -> None:
    refused(json.dumps({"t": "send", "cid": cid, "conv": 1, "kind": "text", "text": "x"}), P.E_BAD_FIELD)


@pytest.mark.parametrize("value", [0, -1, True, 1.0, "1", 2**53, None])
def test_ids_are_positive_safe_integers(value: object) -> None:
    refused(json.dumps({"t": "typing", "conv": value}), P.E_BAD_FIELD)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>",
        "ftp://a.example/",
        "//a.example/",
        "http:/a.example/",
        "https://user:pw@a.example/",
        "https://a.example@evil.example/",
        "https://a.example\\@evil.example/",
        "https://a.example/ x",
        "https://a.example/\n",
        "https://",
        "https://:80/",
        "https://a.example:/",
        "https://a.example:99999/",
        "https://a.example:8o/",
        "https://[::1/",
        "https://[::1]x/",
        "https://a.example/" + "x" * P.MAX_URL_CHARS,
    ],
)
def test_share_urls_must_be_plain_http_links(url: str) -> None:
    exc = refused(json.dumps({"t": "share", "cid": "s1", "to": [2], "data": {"url": url}}), P.E_BAD_FIELD)
    assert exc.ref == "s1"


@pytest.mark.parametrize(
    ("url", "normal", "host"),
    [
        ("HTTPS://A.example/Path?q=1#f", "https://A.example/Path?q=1#f", "a.example"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000", "127.0.0.1:8000"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x", "[::1]:8080"),
        ("https://bücher.example/é", "https://bücher.example/é", "bücher.example"),
    ],
)
def test_good_urls_are_kept(url: str, normal: str, host: str) -> None:
    assert P.check_url(url) == normal
    assert P.url_host(normal) == host


def test_share_targets_friends_and_conversations_up_to_twenty_in_all() -> None:
    data = {"url": "https://a.example/"}
    refused(json.dumps({"t": "share", "cid": "s", "data": data}), P.E_BAD_FIELD)
    assert client(t="share", cid="s", data=data, to=[1], conv=2, convs=[3])["convs"] == [3]
    refused(
        json.dumps(
            {"t": "share", "cid": "s", "data": data, "to": list(range(1, 11)), "convs": list(range(1, 11)), "conv": 99}
        ),
        P.E_BAD_FIELD,
    )
    refused(json.dumps({"t": "share", "cid": "s", "data": data, "convs": []}), P.E_BAD_FIELD)
    refused(json.dumps({"t": "share", "cid": "s", "data": data, "to": []}), P.E_BAD_FIELD)
    refused(json.dumps({"t": "share", "cid": "s", "data": data, "to": list(range(1, 22))}), P.E_BAD_FIELD)
    assert client(t="share", cid="s", data=data, to=[3, 3, 1])["to"] == [3, 1]


def test_hello_resume_keys_must_be_conversation_ids() -> None:
    assert client(t="hello", v=1, token="t", resume={"12": 0})["resume"] == {12: 0}
    for resume in [{"x": 1}, {"-1": 1}, {"1": -1}, {"0": 1}, [1], {"1": "2"}]:
        refused(json.dumps({"t": "hello", "v": 1, "token": "t", "resume": resume}), P.E_BAD_FIELD)
    too_many = {str(conv): 1 for conv in range(1, P.MAX_RESUME_CONVERSATIONS + 2)}
    refused(json.dumps({"t": "hello", "v": 1, "token": "t", "resume": too_many}), P.E_BAD_FIELD)


def test_history_takes_before_or_after() -> None:
    refused('{"t":"history","rid":"r","conv":1,"before":3,"after":1}', P.E_BAD_FIELD)
    refused('{"t":"history","rid":"r","conv":1,"limit":201}', P.E_BAD_FIELD)
    exc = refused('{"t":"history","rid":"r7","conv":0}', P.E_BAD_FIELD)
    assert exc.ref == "r7"


def test_presence_statuses() -> None:
    assert client(t="presence", status="away")["status"] == "away"
    refused('{"t":"presence","status":"offline"}', P.E_BAD_FIELD)


# -- refusals of the frame as a whole ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "{", "nul", "{'t':'ping'}", '{"t":"ping",}', "[" * 100000])
def test_malformed_json(text: str) -> None:
    refused(text[: P.MAX_FRAME_BYTES], P.E_BAD_JSON)


def test_non_finite_numbers_never_pass_as_fields() -> None:
    for text in [
        '{"t":"read","conv":1,"pos":NaN}',
        '{"t":"read","conv":1,"pos":Infinity}',
        '{"t":"read","conv":1,"pos":1e999}',
    ]:
        with pytest.raises(P.ProtocolError):
            P.parse_client_frame(text)


@pytest.mark.parametrize("text", ["[]", "1", '"ping"', "null", '{"type":"ping"}', '{"t":5}'])
def test_not_a_frame(text: str) -> None:
    refused(text, P.E_BAD_FRAME)


def test_unknown_type_keeps_the_reference() -> None:
    exc = refused('{"t":"sned","cid":"c42"}', P.E_UNKNOWN_TYPE)
    assert exc.ref == "c42"
    assert P.error_frame(exc) == {"t": "error", "code": "unknown_type", "message": exc.message, "ref": "c42"}


def test_server_only_types_are_unknown_to_the_server() -> None:
    refused('{"t":"ack","cid":"c","id":1,"conv":1,"pos":1,"ts":1}', P.E_UNKNOWN_TYPE)


def test_size_is_counted_in_utf8_bytes() -> None:
    base = '{"t":"ping","p":"%s"}'
    fits = base % ("x" * (P.MAX_FRAME_BYTES - len(base) + 2))
    assert len(fits.encode()) == P.MAX_FRAME_BYTES
    assert P.parse_client_frame(fits) == {"t": "ping"}
    refused(fits[:-2] + 'xx"}', P.E_TOO_BIG)
    multibyte = base % ("é" * (P.MAX_FRAME_BYTES // 2))  # fewer characters than the limit, more bytes
    assert len(multibyte) < P.MAX_FRAME_BYTES < len(multibyte.encode())
    refused(multibyte, P.E_TOO_BIG)
    with pytest.raises(P.ProtocolError) as info:
        P.parse_client_frame(b"x" * 17, max_bytes=16)
    assert info.value.code == P.E_TOO_BIG


def test_bytes_frames_are_accepted_when_utf8() -> None:
    assert P.parse_client_frame(b'{"t":"ping"}') == {"t": "ping"}
    with pytest.raises(P.ProtocolError) as info:
        P.parse_client_frame(b'{"t":"ping","x":"\xff"}')
    assert info.value.code == P.E_BAD_JSON


# -- server frames ----------------------------------------------------------------------------------


def test_every_server_frame_type_validates_on_the_client() -> None:
    message = P.message_fields(9, 5, 3, 1700000000000, 2, "share", data={"url": "https://a.example/"})
    frames = [
        P.make_welcome(
            {"id": 1, "username": "ann", "name": "Ann"},
            "s-1",
            25,
            [P.make_user_presence(2, "away", False)],
            settings={"status": "hidden", "hidden": False, "share_title": True, "sound": "site"},
        ),
        P.make_user_settings("away", True, False, "on", rid="s1"),
        P.make_ack("c1", 9, 5, 3, 1700000000000),
        P.make_ack("c2", 10, 6, 1, 1700000000000, rest=2),
        P.make_msg(9, 5, 3, 1700000000000, 2, "text", "hi", cid="c1"),
        P.make_resync(5, P.RESYNC_TOO_OLD),
        P.make_user_typing(5, 2),
        P.make_user_read(5, 2, 3),
        P.make_user_presence(2, "online", True, "Docs", device="d1"),
        P.make_error(P.E_FORBIDDEN, "not a member", "c1"),
        P.make_pong(1700000000000),
        P.make_history_page("r1", 5, [message], next_before=3),
        P.make_done("g1", conv=7),
        P.make_friendship(P.person(4, "dan", ""), P.REL_INCOMING),
        P.make_found("q1", [dict(P.person(4, "dan", "Dan"), rel=P.REL_NONE)]),
        P.make_invites("i1", [P.invite_fields("Zx9", "https://a.example/p", 1700000000000, P.person(1, "ann", "Ann"))]),
        P.make_conversation(7, "group", [P.person(1, "ann", "Ann"), P.person(4, "dan", "Dan")], "Club", owner=1),
        P.make_search_results("s1", [P.search_hit(9, 7, 3, 1700000000000, 4, "text", "a picnic", [(2, 8)])], 9),
        P.make_changed(5, 3, P.message_state(dict(message), edited=1700000000500, change=3, reply_to=2,
                                             reply=P.reply_fields(2, 1, 4, "the original"),
                                             reactions=[{"emoji": P.REACTIONS[1], "users": [4, 1]}])),
        P.make_changed(5, 4, P.message_state(dict(message), deleted=True, change=4), resumed=True),
    ]
    assert {frame["t"] for frame in frames} == set(P.SERVER_FRAMES)
    for frame in frames:
        decoded = P.parse_server_frame(P.encode(frame))
        if frame["t"] == P.WELCOME:
            frame["presence"] = [{key: v for key, v in entry.items() if key != "t"} for entry in frame["presence"]]
        assert decoded == frame, frame["t"]


def test_close_codes_are_documented_and_mapped() -> None:
    codes = [value for name, value in vars(P).items() if name.startswith("CLOSE_") and isinstance(value, int)]
    assert sorted(codes) == sorted(P.CLOSE_ACTIONS)
    assert all(code in (1000, 1001, 1009, 1011, 1012) or 4000 <= code <= 4999 for code in codes)
    assert P.close_action(P.CLOSE_AUTH_FAILED) == P.REFRESH
    assert P.close_action(P.CLOSE_REVOKED) == P.SIGN_OUT
    assert P.close_action(P.CLOSE_FORBIDDEN) == P.STOP
    assert P.close_action(1006) == P.RECONNECT  # abnormal closure: network trouble


def test_protocol_md_documents_every_code() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    for name, value in vars(P).items():
        if name.startswith("CLOSE_") and isinstance(value, int):
            assert f"`{value}`" in doc, name
    for code in P.ERROR_CODES:
        assert f"`{code}`" in doc, code
    for kind in list(P.CLIENT_FRAMES) + list(P.SERVER_FRAMES):
        assert f"`{kind}`" in doc, kind


# -- properties -------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
frame_like = st.fixed_dictionaries(
    {"t": st.sampled_from([*P.CLIENT_FRAMES, "x"])},
    optional={
        key: json_values | st.integers(min_value=1, max_value=100) | st.text(max_size=70)
        for key in ["cid", "conv", "kind", "text", "data", "to", "pos", "status", "url", "rid", "v", "token"]
    },
)


@settings(max_examples=400)
@given(st.text(max_size=300) | st.binary(max_size=100))
def test_decode_raises_only_protocol_errors_on_any_text(text: str | bytes) -> None:
    with contextlib.suppress(P.ProtocolError):
        P.parse_client_frame(text)


@settings(max_examples=600)
@given(frame_like)
def test_decode_raises_only_protocol_errors_on_frame_like_objects(obj: dict[str, object]) -> None:
    try:
        frame = P.parse_client_frame(json.dumps(obj))
    except P.ProtocolError as exc:
        assert exc.code in P.ERROR_CODES
        return
    assert frame["t"] == obj["t"]
    again = P.encode(frame) if frame["t"] != P.HELLO else None
    if again is not None:
        assert P.parse_client_frame(again) == frame  # normalization is idempotent


printable = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=64)
message_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"]) | st.sampled_from("\n\t"), min_size=1, max_size=4000
).filter(lambda text: text.strip())


@given(printable, st.integers(1, P.MAX_INT), message_text)
def test_send_round_trips(cid: str, conv: int, text: str) -> None:
    frame = P.make_send(cid, conv, text=text)
    assert frame["text"] == text
    assert P.parse_client_frame(P.encode(frame)) == frame


@given(st.dictionaries(st.integers(1, P.MAX_INT), st.integers(0, P.MAX_INT), max_size=20), printable)
def test_hello_round_trips(resume: dict[int, int], token: str) -> None:
    frame = P.make_hello(token, resume=resume)
    assert P.parse_client_frame(P.encode(frame)).get("resume", {}) == resume


def test_settings_frames_refuse_bad_choices() -> None:
    for bad in (
        {"status": "offline"},
        {"status": "invisible"},
        {"hidden": 1},
        {"share_title": "yes"},
        {"sound": "loud"},
        {"sound": True},
    ):
        with pytest.raises(P.ProtocolError) as caught:
            P.parse_client_frame(json.dumps({"t": "settings", **bad}))
        assert caught.value.code == P.E_BAD_FIELD
    assert P.parse_client_frame('{"t":"settings","sound":null}') == {"t": "settings"}  # null is absent: a read


def test_report_frames_name_a_message_or_a_person_and_a_known_reason() -> None:
    assert client(t="report", rid="r", user=4, reason="abuse", note="  rude ")["note"] == "rude"
    for bad in ({"reason": "spam"}, {"reason": "spam", "msg": 3}, {"reason": "bored", "user": 4},
                {"reason": "spam", "user": 4, "note": "x" * 501}, {"reason": "spam", "user": 0}):
        with pytest.raises(P.ProtocolError):
            client(t="report", rid="r", **bad)


def test_banned_close_code_tells_the_client_to_stop_and_say_so() -> None:
    assert P.CLOSE_BANNED == 4013
    assert P.close_action(4013) == P.BANNED
