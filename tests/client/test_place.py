"""parley.place on CPython: what the widget keeps across the pages of a visit, and what it accepts back."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from parley import place
from parley import protocol as P
from parley import state as S

ME, OTHER = 1, 2


def test_a_place_round_trips_for_the_same_visitor() -> None:
    raw = place.save_place(ME, True, "chat", 7, place.scroll_anchor(12, -30), {7: "half a mess", 9: "hi"})
    assert place.read_place(raw, ME) == {"open": True, "screen": "chat", "conv": 7,
                                         "scroll": {"pos": 12, "offset": -30}, "drafts": {7: "half a mess", 9: "hi"},
                                         "paint": None}


def test_another_visitors_place_is_not_theirs() -> None:
    raw = place.save_place(ME, True, "chat", 7, None, {7: "secret"})
    assert place.read_place(raw, OTHER) == place.empty_place()


def test_empty_drafts_are_not_kept_and_only_the_newest_are() -> None:
    drafts = {conv: f"d{conv}" for conv in range(1, place.MAX_DRAFTS + 11)}
    drafts[3] = ""
    kept = place.read_place(place.save_place(ME, False, "home", None, None, drafts), ME)["drafts"]
    assert len(kept) == place.MAX_DRAFTS and 3 not in kept
    assert list(kept)[-1] == place.MAX_DRAFTS + 10 and 1 not in kept


def test_the_scroll_anchor_is_kept_only_for_a_conversation() -> None:
    raw = place.save_place(ME, False, "home", None, place.scroll_anchor(4, 10), {})
    assert place.read_place(raw, ME)["scroll"] is None
    assert place.scroll_anchor(0, 10) is None and place.scroll_anchor(3, 1.5) is None
    assert place.scroll_anchor(3, place.MAX_SCROLL_PX + 1) is None


def test_a_chat_without_a_conversation_and_an_unknown_screen_restore_home() -> None:
    for data in ({"screen": "chat", "conv": None}, {"screen": "settings-of-a-later-version", "conv": 7},
                 {"screen": "signed_out"}):
        raw = json.dumps({"v": place.VERSION, "user": ME, **data})
        assert place.read_place(raw, ME)["screen"] == "home"


def test_restorable_screen_needs_the_conversation_to_be_theirs() -> None:
    saved = place.read_place(place.save_place(ME, True, "chat", 7, None, {}), ME)
    assert place.restorable_screen(saved, {7, 8}) == ("chat", 7)
    assert place.restorable_screen(saved, {8}) == ("home", None)
    share = place.read_place(place.save_place(ME, True, "share", None, None, {}), ME)
    assert place.restorable_screen(share, set()) == ("share", None)


def test_the_panels_drawing_is_kept_only_with_the_screen_it_shows() -> None:
    paint = place.paint_of("chat", 7, "<header>Bob</header>")
    assert place.read_place(place.save_place(ME, True, "chat", 7, None, {}, paint), ME)["paint"] == paint
    assert place.read_place(place.save_place(ME, True, "chat", 8, None, {}, paint), ME)["paint"] is None
    assert place.read_place(place.save_place(ME, True, "home", None, None, {}, paint), ME)["paint"] is None
    home = place.paint_of("home", 7, "<ul></ul>")
    assert home == {"screen": "home", "conv": None, "html": "<ul></ul>"}
    assert place.read_place(place.save_place(ME, False, "home", None, None, {}, home), ME)["paint"] == home
    assert place.paint_of("share", None, "<p></p>") is None and place.paint_of("chat", 7, "") is None
    assert place.paint_of("chat", 7, "x" * (place.MAX_PAINT_CHARS + 1)) is None
    assert place.read_place(place.save_place(ME, True, "chat", 7, None, {}, paint), OTHER)["paint"] is None


def test_a_hostile_drawing_is_dropped_and_the_place_kept() -> None:
    for paint in ("<p>", 5, {"screen": "chat", "conv": 7, "html": 5}, {"screen": "chat", "conv": "7", "html": "a"},
                  {"screen": "settings", "conv": None, "html": "a"}, {"screen": "chat", "conv": 7}):
        raw = json.dumps({"v": place.VERSION, "user": ME, "screen": "chat", "conv": 7, "paint": paint})
        got = place.read_place(raw, ME)
        assert got["paint"] is None and got["screen"] == "chat" and got["conv"] == 7, paint


HOSTILE = [
    None, "", "not json", "[]", "null", "1", '"text"', "{", json.dumps({"v": 99, "user": ME}),
    json.dumps({"v": place.VERSION, "user": True}), json.dumps({"v": place.VERSION, "user": ME, "open": "yes",
                                                                  "drafts": ["x"], "screen": 5, "scroll": "top"}),
    json.dumps({"v": place.VERSION, "user": ME, "drafts": {"x": "a", "-3": "b", "7": 5, "8": "y" * 5000}}),
    json.dumps({"v": place.VERSION, "user": ME, "screen": "chat", "conv": 2 ** 60}),
    "{" * 100000, '{"a":' * 5000 + "1" + "}" * 5000, "x" * (place.MAX_STORED_CHARS + 1),
]


def test_a_corrupt_or_hostile_place_gives_the_empty_place() -> None:
    for raw in HOSTILE:
        got = place.read_place(raw, ME)
        assert got["screen"] == "home" and got["drafts"] == {} and got["conv"] is None and got["open"] is None, raw


@settings(max_examples=300, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)))
def test_any_json_read_back_gives_a_valid_place(value: object) -> None:
    for raw in (json.dumps(value), json.dumps({"v": place.VERSION, "user": ME, "drafts": value, "scroll": value,
                                               "screen": value, "conv": value, "open": value})):
        got = place.read_place(raw, ME)
        assert got["screen"] in place.SCREENS and got["open"] in (None, True, False)
        assert all(isinstance(k, int) and isinstance(v, str) and v for k, v in got["drafts"].items())
        assert got["conv"] is None or got["screen"] == "chat"
        assert got["paint"] is None or (got["paint"]["screen"] == got["screen"] and got["paint"]["html"])


def welcomed() -> S.ChatState:
    state = S.ChatState()
    state.apply(P.make_welcome({"id": ME, "name": "Me"}, "sess", 25, []))
    state.add_conversation(7, last_pos=4, read_pos=4)
    return state


def test_the_outbox_is_requeued_in_order_with_its_client_ids() -> None:
    before = welcomed()
    before.queue_send(7, "text", text="one", cid="c1", now=10)
    before.queue_share("c2", {"url": "https://example.com/a", "title": "A"}, conv_id=7, now=20)
    before.queue_share("c3", {"url": "https://example.com/b"}, to=[OTHER], now=30)
    before.queue_send(7, "text", text="three", cid="c4", now=40)
    raw = place.save_outbox(ME, before.outbox)
    after = welcomed()
    convs = place.requeue(after, place.read_outbox(raw, ME))
    assert convs == [7]
    assert after.outbox_frames() == before.outbox_frames()
    assert [(r["cid"], r["ts"], r["status"]) for r in after.conversations[7].pending] == [
        ("c1", 10, "pending"), ("c2", 20, "pending"), ("c4", 40, "pending")]
    assert place.requeue(after, place.read_outbox(raw, ME)) == [] and len(after.outbox) == 4  # never twice


def test_an_acked_message_is_not_kept_and_an_empty_outbox_stores_nothing() -> None:
    state = welcomed()
    state.queue_send(7, "text", text="one", cid="c1", now=10)
    state.apply(P.make_ack("c1", 500, 7, 5, 60))
    assert place.save_outbox(ME, state.outbox) is None
    assert not place.has_unsent(state.outbox)


def test_another_visitors_outbox_is_not_sent() -> None:
    state = welcomed()
    state.queue_send(7, "text", text="one", cid="c1", now=10)
    assert place.read_outbox(place.save_outbox(ME, state.outbox), OTHER) == []


def test_stored_frames_are_checked_as_the_server_would() -> None:
    good = P.make_send("ok", 7, text="fine")
    entries = [
        {"frame": {"t": "send", "cid": "x1", "conv": 7, "kind": "text", "text": ""}, "ts": 1},  # empty text
        {"frame": {"t": "send", "cid": "x2", "conv": 7, "kind": "text", "text": "a" * 4001}, "ts": 1},
        {"frame": {"t": "hello", "v": 1, "token": "t"}, "ts": 1},  # not a message
        {"frame": {"t": "share", "cid": "x3", "data": {"url": "javascript:alert(1)"}, "conv": 7}, "ts": 1},
        {"frame": {"t": "send", "cid": "", "conv": 7, "kind": "text", "text": "no cid"}, "ts": 1},
        {"frame": "send", "ts": 1}, "entry", None,
        {"frame": good, "ts": "yesterday"},
        {"frame": dict(good, text="dup"), "ts": 2},  # same cid again: sent once
    ]
    raw = json.dumps({"v": place.VERSION, "user": ME, "entries": entries})
    assert place.read_outbox(raw, ME) == [(good, 0)]
    for raw in [*HOSTILE, json.dumps({"v": place.VERSION, "user": ME, "entries": {"a": 1}})]:
        assert place.read_outbox(raw, ME) == []


def test_what_the_painted_panel_could_not_hand_over_is_listed_in_order() -> None:
    from parley import painted

    early = {"conv": 7, "sends": ["first", "  ", "second"], "typed": True, "text": "half a thought", "focused": True}
    assert painted.unsent(early) == ["first", "second", "half a thought"]
    assert painted.unsent({**early, "typed": False}) == ["first", "second"]  # the box held the old draft only
    assert painted.unsent({"conv": 7, "sends": [], "typed": True, "text": "   ", "focused": False}) == []
