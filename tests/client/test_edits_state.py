"""parley.state and parley.edits on CPython: changed frames replace held messages only with newer states,
change numbers count contiguously (live frames out of order, resumed ones), resume asks from them, replies
quote the held original."""

from __future__ import annotations

from parley import edits
from parley import protocol as P
from parley import state as S

ME, ANN = 1, 2


def loaded(changes: int = 0) -> S.ChatState:
    """A state holding conversation 7's latest page (two messages, read at change ``changes``)."""
    state = S.ChatState()
    state.apply(P.make_welcome({"id": ME, "name": "Me"}, "sess", 25, []))
    state.request_history("h1", 7)
    page = [P.message_fields(101, 7, 1, 1000, ME, "text", "hello"),
            P.message_fields(102, 7, 2, 2000, ANN, "text", "hi")]
    state.apply(P.make_history_page("h1", 7, page, None, changes))
    return state


def changed(change: int, text: str = "edited", mid: int = 101, resumed: bool = False, **state: object) -> dict:
    message = P.message_state(P.message_fields(mid, 7, mid - 100, 1000, ME, "text", text), change=change, **state)
    frame = P.make_changed(7, change, message, resumed)
    return P.validate(frame, P.SERVER_FRAMES)


def test_a_changed_frame_replaces_the_held_message_and_says_so() -> None:
    state = loaded()
    conv = state.conversations[7]
    events = state.apply(changed(1, "hello, Ann", edited=5000))
    assert events == [(S.EV_CHANGED, 7, 101), (S.EV_MESSAGES, 7)]
    assert conv.by_id[101]["text"] == "hello, Ann" and conv.by_id[101]["edited"] == 5000
    assert conv.messages[0] is conv.by_id[101] is conv.by_pos[1]  # every index sees the same message
    assert conv.changes == 1
    assert state.apply(changed(1, "hello, Ann", edited=5000)) == []  # the same news again: nothing


def test_older_news_never_overwrites_a_newer_state() -> None:
    state = loaded()
    state.apply(changed(2, deleted=True))
    assert state.apply(changed(1, "the old edit")) == []
    held = state.conversations[7].by_id[101]
    assert held["deleted"] is True and held["text"] == ""
    assert state.conversations[7].changes == 2  # 1 and 2 both seen, in either order


def test_live_numbers_count_contiguously_and_resumed_ones_jump() -> None:
    state = loaded(changes=4)
    conv = state.conversations[7]
    state.apply(changed(6, mid=102))
    assert conv.changes == 4 and conv.changes_ahead == [6]  # 5 is still on its way (another process)
    assert state.resume_changes() == {7: 4}  # so a reconnect asks again from 4
    state.apply(changed(5))
    assert conv.changes == 6 and conv.changes_ahead == []
    state.apply(changed(9, resumed=True))
    assert conv.changes == 9 and state.resume_changes() == {7: 9}


def test_unknown_numbers_resume_from_zero_only_when_messages_are_held() -> None:
    state = S.ChatState()
    state.apply(P.make_welcome({"id": ME, "name": "Me"}, "sess", 25, []))
    state.add_conversation(8, last_pos=3)
    state.apply(P.make_msg(300, 9, 1, 1000, ANN, "text", "first"))
    assert state.resume_changes() == {9: 0}
    state.apply(P.make_changed(9, 3, P.message_state(P.message_fields(300, 9, 1, 1000, ANN, "text", "x"), change=3)))
    assert state.conversations[9].changes is None  # a live number alone is no base to count from


def test_history_pages_bring_newer_states_of_held_messages() -> None:
    state = loaded()
    state.request_history("h2", 7)
    newer = P.message_state(P.message_fields(102, 7, 2, 2000, ANN, "text", "hi"), change=3,
                            reactions=[{"emoji": P.REACTIONS[0], "users": [ME]}])
    events = state.apply(P.make_history_page("h2", 7, [newer], None, 3))
    assert (S.EV_MESSAGES, 7) in events
    assert edits.reactions_of(state.conversations[7].by_id[102], ME) == [(P.REACTIONS[0], 1, [ME], True)]


def test_replies_are_sent_kept_while_pending_and_quote_the_held_original() -> None:
    state = loaded()
    frame = state.queue_send(7, "text", text="yes", cid="c1", now=50, reply_to=102)
    assert frame["reply_to"] == 102 and state.conversations[7].pending[0]["reply_to"] == 102
    state.apply(P.make_ack("c1", 103, 7, 3, 60))
    conv = state.conversations[7]
    mine = conv.by_id[103]
    assert edits.quoted(conv, mine) == {"id": 102, "pos": 2, "from": ANN, "text": "hi", "deleted": False}
    state.apply(P.make_changed(7, 1, P.message_state(P.message_fields(102, 7, 2, 2000, ANN, "text", "hi"),
                                                     deleted=True, change=1)))
    assert edits.quoted(conv, mine)["deleted"] is True  # the original's current state, not the old snippet
    stranger = {"reply_to": 55, "reply": P.reply_fields(55, 1, ANN, "long ago")}
    assert edits.quoted(conv, stranger)["text"] == "long ago" and edits.quoted(conv, {"id": 1}) is None
