"""parley.state on CPython: outbox, acks, order, gaps, resync, unread, typing, presence, rendezvous."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from parley import protocol as P
from parley import state as S

ME, ANN, BOB = 1, 2, 3


def welcomed(*presence: dict[str, object]) -> S.ChatState:
    state = S.ChatState()
    state.apply(P.make_welcome({"id": ME, "name": "Me"}, "sess", 25, list(presence)))
    return state


def msg(pos: int, sender: int = ANN, conv: int = 7, text: str | None = None, cid: str | None = None) -> dict:
    return P.make_msg(1000 + pos, conv, pos, 10_000 + pos, sender, "text", text or f"m{pos}", cid=cid)


def positions(state: S.ChatState, conv: int = 7) -> list[int]:
    return [message["pos"] for message in state.conversations[conv].messages]


def test_send_is_pending_until_acked_then_stored_with_its_server_id() -> None:
    state = welcomed()
    state.add_conversation(7, last_pos=4, read_pos=4)
    frame = state.queue_send(7, "text", text="hi", cid="c1", now=50)
    assert frame == {"t": "send", "cid": "c1", "conv": 7, "kind": "text", "text": "hi"}
    assert [r["status"] for r in state.conversations[7].pending] == ["pending"]
    assert state.outbox_frames() == [frame]
    events = state.apply(P.make_ack("c1", 500, 7, 5, 60))
    assert (S.EV_MESSAGES, 7) in events
    conv = state.conversations[7]
    assert conv.pending == [] and state.outbox_frames() == []
    assert conv.messages == [
        {"id": 500, "conv": 7, "pos": 5, "ts": 60, "from": ME, "kind": "text", "cid": "c1", "text": "hi"}
    ]
    assert conv.head == 5 and conv.read_pos == 5  # writing marks read


def test_outbox_keeps_order_across_conversations_and_resends_all() -> None:
    state = welcomed()
    frames = [
        state.queue_send(7, "text", text="one", cid="a"),
        state.queue_share("b", {"url": "https://x.example/", "title": "X"}, to=[ANN, BOB]),
        state.queue_send(8, "share", data={"url": "https://y.example/"}, cid="c"),
        state.queue_send(7, "text", text="two", cid="d"),
    ]
    assert state.outbox_frames() == frames
    assert frames[2]["kind"] == "share" and frames[1]["t"] == "share"
    state.apply(P.make_ack("d", 11, 7, 2, 5))
    assert [f["cid"] for f in state.outbox_frames()] == ["a", "b", "c"]


def test_a_share_to_several_friends_is_done_with_its_last_ack() -> None:
    state = welcomed()
    state.queue_share("s1", {"url": "https://x.example/", "title": "X"}, to=[ANN, BOB], now=1)
    state.apply(P.make_ack("s1", 70, 20, 1, 5, rest=1))
    assert [f["cid"] for f in state.outbox_frames()] == ["s1"]
    state.apply(P.make_ack("s1", 71, 21, 1, 5))
    assert state.outbox_frames() == []
    for conv in (20, 21):
        (stored,) = state.conversations[conv].messages
        assert stored["kind"] == "share" and stored["data"]["url"] == "https://x.example/"


def test_a_resent_message_echoed_as_msg_clears_the_pending_copy() -> None:
    """The ack was lost in a disconnect; the resume replays our own message: dedup by cid."""
    state = welcomed()
    state.add_conversation(7)
    state.queue_send(7, "text", text="hi", cid="c1")
    state.apply(msg(1, sender=ME, text="hi", cid="c1"))
    assert state.outbox_frames() == [] and state.conversations[7].pending == []
    assert positions(state) == [1]
    assert state.apply(P.make_ack("c1", 1001, 7, 1, 10_001)) == []  # the resend's ack: no double
    assert positions(state) == [1]


def test_duplicates_by_id_are_ignored() -> None:
    state = welcomed()
    state.add_conversation(7)
    assert state.apply(msg(1))
    assert state.apply(msg(1)) == []
    assert positions(state) == [1]


def test_gap_is_reported_once_and_healed_by_history() -> None:
    state = welcomed()
    state.add_conversation(7, last_pos=2, read_pos=2)
    assert (S.EV_GAP, 7) in state.apply(msg(5))
    assert (S.EV_GAP, 7) not in state.apply(msg(6))
    conv = state.conversations[7]
    assert conv.head == 2 and state.resume_positions() == {7: 2}
    frame = state.request_history("r1", 7, after=conv.head)
    assert frame == {"t": "history", "rid": "r1", "conv": 7, "after": 2, "limit": 50}
    page = P.make_history_page("r1", 7, [P.message_fields(1003, 7, 3, 1, ANN, "text", "m3")])
    assert (S.EV_GAP, 7) in state.apply(page)  # 4 still missing
    state.request_history("r2", 7, after=3)
    page = P.make_history_page("r2", 7, [P.message_fields(1004, 7, 4, 1, ANN, "text", "m4")])
    assert (S.EV_GAP, 7) not in state.apply(page)
    assert positions(state) == [3, 4, 5, 6] and conv.head == 6


def test_resync_drops_messages_until_the_latest_page_arrives() -> None:
    state = welcomed()
    state.add_conversation(7)
    for pos in (1, 2):
        state.apply(msg(pos))
    state.queue_send(7, "text", text="unsent", cid="u")
    assert state.apply(P.make_resync(7, P.RESYNC_TOO_OLD)) == [(S.EV_RESYNC, 7), (S.EV_MESSAGES, 7)]
    conv = state.conversations[7]
    assert conv.messages == [] and conv.head is None and [r["cid"] for r in conv.pending] == ["u"]
    assert state.resume_positions() == {}
    state.apply(msg(91))  # live traffic during the reload is kept
    state.request_history("r", 7)
    page = P.make_history_page(
        "r", 7, [P.message_fields(1000 + p, 7, p, 1, ANN, "text", "x") for p in (88, 89, 90)], 88
    )
    state.apply(page)
    assert positions(state) == [88, 89, 90, 91] and conv.head == 91 and conv.has_more


def test_older_history_pages_prepend_and_end() -> None:
    state = welcomed()
    state.add_conversation(7, last_pos=3, read_pos=3)
    state.request_history("r", 7, before=4)
    state.apply(P.make_history_page("r", 7, [P.message_fields(1000 + p, 7, p, 1, ANN, "text", "x") for p in (2, 3)], 2))
    assert state.conversations[7].has_more
    state.request_history("r2", 7, before=2)
    state.apply(P.make_history_page("r2", 7, [P.message_fields(1001, 7, 1, 1, ANN, "text", "x")]))
    assert positions(state) == [1, 2, 3] and not state.conversations[7].has_more


def test_unread_counts_others_messages_and_follows_reads_from_other_tabs() -> None:
    state = welcomed()
    state.add_conversation(7, last_pos=10, read_pos=8)
    state.add_conversation(8, last_pos=3, read_pos=3)
    assert state.unread_total() == 2
    assert (S.EV_UNREAD, 3) in state.apply(msg(11))
    assert (S.EV_UNREAD, 4) in state.apply(msg(4, conv=8))
    assert state.apply(P.make_user_read(7, ME, 11)) == [(S.EV_CONVERSATION, 7), (S.EV_UNREAD, 1)]
    assert state.apply(P.make_user_read(7, ME, 9)) == []  # never backwards
    assert state.mark_read(8) == {"t": "read", "conv": 8, "pos": 4}
    assert state.mark_read(8) is None
    assert state.unread_total() == 0
    assert state.apply(P.make_user_read(7, ANN, 11)) == [(S.EV_READ, 7)]
    assert state.conversations[7].read_by == {ANN: 11}


def test_a_message_in_an_unknown_conversation_creates_it() -> None:
    state = welcomed()
    events = state.apply(msg(1, conv=99))
    assert (S.EV_CONVERSATION, 99) in events and (S.EV_UNREAD, 1) in events
    assert state.conversations[99].head == 1 and state.resume_positions() == {99: 1}


def test_typing_expires_by_the_given_clock_and_stops_on_a_message() -> None:
    state = welcomed()
    state.add_conversation(7)
    state.apply(P.make_user_typing(7, ANN), now=1000)
    state.apply(P.make_user_typing(7, BOB), now=3000)
    conv = state.conversations[7]
    assert conv.typing_users(1000 + P.TYPING_TTL_MS - 1) == [ANN, BOB]
    assert conv.typing_users(1000 + P.TYPING_TTL_MS) == [BOB]
    assert state.apply(msg(1, sender=BOB), now=3001)[0] == (S.EV_TYPING, 7)
    assert conv.typing_users(3002) == [ANN]
    assert state.expire_typing(1000 + P.TYPING_TTL_MS) == [(S.EV_TYPING, 7)]
    assert state.expire_typing(99_999) == []
    assert state.apply(P.make_user_typing(7, ME), now=5) == []  # our own other tab


def test_typing_notices_are_rate_limited() -> None:
    state = welcomed()
    assert state.typing_frame(7, 0) == {"t": "typing", "conv": 7}
    assert state.typing_frame(7, P.TYPING_INTERVAL_MS - 1) is None
    assert state.typing_frame(8, 10) is not None
    assert state.typing_frame(7, P.TYPING_INTERVAL_MS) is not None


def test_presence_aggregates_devices_and_tracks_friends_here() -> None:
    state = welcomed(P.make_user_presence(ANN, "away", False, device="phone"))
    assert state.status_of(ANN) == "away" and state.friends_here() == []
    events = state.apply(P.make_user_presence(ANN, "online", True, "Docs", device="laptop"))
    assert events == [(S.EV_PRESENCE, ANN), (S.EV_HERE, 1)]
    assert state.status_of(ANN) == "online" and state.title_of(ANN) == "Docs"
    assert state.apply(P.make_user_presence(ANN, "online", True, "Docs", device="laptop")) == []
    assert state.apply(P.make_user_presence(ANN, "offline", False, device="laptop")) == [
        (S.EV_PRESENCE, ANN),
        (S.EV_HERE, 0),
    ]
    assert state.status_of(ANN) == "away"
    state.apply(P.make_user_presence(ANN, "online", True, device="tab"))
    state.apply(P.make_user_presence(ANN, "offline", False))  # no device: the user is gone entirely
    assert state.status_of(ANN) == "offline" and ANN not in state.presence
    state.apply(P.make_user_presence(ME, "online", True, device="other-tab"))
    assert state.friends_here() == []  # we are not our own friend


def test_a_new_welcome_replaces_presence() -> None:
    state = welcomed(P.make_user_presence(ANN, "online", True))
    events = state.apply(P.make_welcome({"id": ME}, "s2", 25, [P.make_user_presence(BOB, "online", True)]))
    assert (S.EV_PRESENCE, ANN) in events and (S.EV_PRESENCE, BOB) in events
    assert state.friends_here() == [BOB] and state.session == "s2"


def test_refused_sends_fail_and_transient_errors_keep_them_queued() -> None:
    state = welcomed()
    state.queue_send(7, "text", text="spam", cid="c1")
    state.queue_send(7, "text", text="bad", cid="c2")
    assert state.apply(P.make_error(P.E_RATE_LIMITED, "slow down", "c1")) == [(S.EV_RETRY, "c1")]
    assert state.apply(P.make_error(P.E_FORBIDDEN, "not a member", "c2")) == [(S.EV_FAILED, 7, "c2")]
    assert [f["cid"] for f in state.outbox_frames()] == ["c1"]
    records = {r["cid"]: r for r in state.conversations[7].pending}
    assert records["c2"]["status"] == "failed" and records["c2"]["error"] == "forbidden"
    assert state.retry("c2") == {"t": "send", "cid": "c2", "conv": 7, "kind": "text", "text": "bad"}
    assert state.retry("c2") is None
    assert [f["cid"] for f in state.outbox_frames()] == ["c1", "c2"]
    assert state.discard("c2") == [(S.EV_MESSAGES, 7)]
    assert [f["cid"] for f in state.outbox_frames()] == ["c1"]
    assert state.apply(P.make_error(P.E_BAD_JSON, "oops")) == [(S.EV_ERROR, "bad_json", "oops")]


def test_disconnect_clears_typing_and_unknown_frames_change_nothing() -> None:
    state = welcomed()
    state.apply(P.make_user_typing(7, ANN), now=1)
    assert state.disconnected() == [(S.EV_TYPING, 7)]
    assert state.apply({"t": "pong"}) == []
    assert state.apply({"t": "future-frame"}) == []


@settings(max_examples=200)
@given(
    st.integers(1, 60).flatmap(
        lambda n: st.tuples(st.just(n), st.permutations(range(1, n + 1)), st.lists(st.integers(1, n), max_size=30))
    )
)
def test_any_shuffled_duplicated_stream_ends_sorted_gapless_unique(case: tuple[int, list[int], list[int]]) -> None:
    count, order, duplicates = case
    state = welcomed()
    state.add_conversation(7)
    stream = list(order)
    for index, pos in enumerate(duplicates):
        stream.insert((index * 7) % (len(stream) + 1), pos)
    gaps = 0
    for pos in stream:
        gaps += state.apply(msg(pos)).count((S.EV_GAP, 7))
    conv = state.conversations[7]
    assert positions(state) == list(range(1, count + 1))
    assert len(conv.by_id) == count and conv.head == count and conv.unread == count
    assert state.resume_positions() == {7: count}
    assert not conv.gap_reported
    assert gaps <= count


def test_a_live_message_before_opening_does_not_stand_for_the_latest_page() -> None:
    """Issue 14: bob writes while alice has never opened the conversation. The one live message is not the
    history: opening must still ask for the latest page, which then shows in full with nothing older to load."""
    state = welcomed()
    state.add_conversation(7, last_pos=3, read_pos=3, info={"kind": "direct", "members": [ME, ANN]})
    state.apply(msg(4, text="are you reading this too?"))
    conv = state.conversations[7]
    assert positions(state) == [4]
    assert conv.needs_latest() and state.needs_latest(7)  # the cause: one live message is not the latest page
    frame = state.request_history("r1", 7)
    assert not state.needs_latest(7)  # asked already: not twice
    assert frame["t"] == P.HISTORY and "before" not in frame and "after" not in frame
    page = [P.message_fields(1000 + p, 7, p, 10_000 + p, ANN if p % 2 else ME, "text", f"m{p}") for p in (1, 2, 3, 4)]
    state.apply(P.make_history_page("r1", 7, page))
    assert positions(state) == [1, 2, 3, 4]
    assert not conv.has_more and conv.latest_loaded and not state.needs_latest(7)
    state.apply(msg(5))  # later live messages extend what is held
    assert positions(state) == [1, 2, 3, 4, 5] and not state.needs_latest(7)


def test_a_conversation_first_met_live_at_position_one_holds_all_of_it() -> None:
    state = welcomed()
    state.apply(msg(1, conv=9))
    assert not state.needs_latest(9) and not state.conversations[9].has_more
    state.apply(msg(6, conv=10))  # first met at position 6: positions 1..5 are on the server
    assert state.needs_latest(10) and state.conversations[10].has_more
    assert state.needs_latest(11)  # never heard of: ask


def test_a_resync_makes_the_latest_page_needed_again() -> None:
    state = welcomed()
    state.add_conversation(7, last_pos=2)
    state.request_history("r1", 7)
    state.apply(P.make_history_page("r1", 7, [P.message_fields(1000 + p, 7, p, 1, ANN, "text", "x") for p in (1, 2)]))
    assert not state.needs_latest(7)
    state.apply({"t": P.RESYNC, "conv": 7})
    assert state.needs_latest(7)


def test_unread_summary_names_who_wrote_newest_first() -> None:
    state = welcomed()
    state.add_conversation(7, last_pos=2, read_pos=2, info={"kind": "direct", "members": [ME, ANN]})
    state.add_conversation(8, last_pos=5, read_pos=3, info={"kind": "direct", "members": [BOB, ME]})
    state.add_conversation(9, last_pos=1, read_pos=0, info={"kind": "group", "members": [ME, ANN, BOB]})
    # nothing held yet: a direct conversation's writer is its other member; a group's is unknown
    assert [(e["conv"], e["count"], e["from"], e["message"]) for e in state.unread_summary()] == [
        (8, 2, BOB, None), (9, 1, None, None)]
    state.apply(msg(3, sender=ANN, conv=7, text="are you reading this too?"))
    state.apply(msg(2, sender=BOB, conv=9))
    summary = state.unread_summary()
    assert [(e["conv"], e["count"], e["from"]) for e in summary] == [(7, 1, ANN), (9, 2, BOB), (8, 2, BOB)]
    assert summary[0]["message"]["text"] == "are you reading this too?"
    state.mark_read(7)
    assert [e["conv"] for e in state.unread_summary()] == [9, 8]
    state.queue_send(9, "text", text="mine", cid="c9")
    state.apply(P.make_ack("c9", 900, 9, 3, 20_000))  # writing marks read: no more unread there
    assert [e["conv"] for e in state.unread_summary()] == [8]
