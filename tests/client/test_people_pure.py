"""The widget's pure people logic (parley.people), its rid-answered operations (parley.replies) and the
state's handling of a conversation the visitor left (resync gone), under CPython."""

from __future__ import annotations

import asyncio

import pytest
from parley import people as PP
from parley import protocol as P
from parley import state as S
from parley.errors import ParleyError
from parley.i18n import STRINGS, Translator
from parley.replies import Replies

ALICE = {"id": 1, "username": "alice", "name": "Alice Martin"}
BOB = {"id": 2, "username": "bob", "display_name": "Bob Okafor"}
CAROL = {"id": 3, "username": "carol", "name": ""}


def test_relations_follow_lists_then_friendship_frames() -> None:
    people = PP.People()
    assert people.load({"friends": [BOB], "incoming": [CAROL]})
    assert people.rel_of(2) == PP.FRIENDS and people.rel_of(3) == PP.INCOMING and people.rel_of(9) == PP.NONE
    assert people.name_of(2) == "Bob Okafor" and people.name_of(3) == "carol"  # no name: the username
    assert people.set(CAROL, PP.FRIENDS) == PP.INCOMING
    assert [p["id"] for p in people.with_rel(PP.FRIENDS)] == [2, 3]  # by name: Bob Okafor, carol
    assert people.set(BOB, PP.NONE) == PP.FRIENDS and people.rel_of(2) == PP.NONE
    assert people.name_of(2) == "Bob Okafor"  # the name is kept for old messages
    assert not people.load({"friends": [CAROL]})  # nothing changed
    assert people.load({"blocked": [ALICE]}) and people.counts() == {PP.FRIENDS: 1, PP.BLOCKED: 1}
    people.remember([{"id": 7, "username": "dan", "name": "Dan"}])
    assert people.name_of(7) == "Dan" and people.rel_of(7) == PP.NONE


def test_actions_offered_per_relation() -> None:
    assert PP.actions_for(PP.NONE)[0] == "request"
    assert PP.actions_for(PP.INCOMING)[:2] == ("accept", "decline")
    assert PP.actions_for(PP.OUTGOING)[0] == "cancel"
    assert PP.actions_for(PP.BLOCKED) == ("unblock",)
    assert set(PP.actions_for(PP.FRIENDS)) == {"remove", "block"}
    for rel in PP.RELATIONS:
        assert set(PP.actions_for(rel)) <= set(P.FRIEND_OPS), rel


def test_system_lines_in_every_language() -> None:
    names = {1: "Alice", 2: "Bob", 3: "Carol"}.get
    t = Translator("en")
    line = PP.system_line
    assert line(1, P.system_data("created", users=[2, 3]), names, t) == "Alice created the group"
    assert line(1, P.system_data("created", users=[2], title="Trip"), names, t) == "Alice created the group Trip"
    assert line(2, P.system_data("renamed", title="Saturday"), names, t) == "Bob renamed the group to Saturday"
    assert line(2, P.system_data("renamed", title=""), names, t) == "Bob removed the group's name"
    assert line(1, P.system_data("added", users=[3]), names, t) == "Alice added Carol"
    assert line(1, P.system_data("added", users=[2, 3]), names, t) == "Alice added Bob and Carol"
    assert line(1, P.system_data("removed", users=[3]), names, t) == "Alice removed Carol"
    assert line(3, P.system_data("left"), names, t) == "Carol left"
    for lang in STRINGS:
        t = Translator(lang)
        for event in P.GROUP_EVENTS:
            text = line(1, P.system_data(event, users=[2, 3], title="T"), names, t)
            assert "{" not in text and "Alice" in text, (lang, event, text)


def test_picker_selection_stops_at_the_limit_and_keeps_order() -> None:
    chosen = PP.Selection(3)
    assert chosen.toggle(("user", 2)) and chosen.toggle(("conv", 9)) and chosen.toggle(("user", 5))
    assert chosen.full and not chosen.toggle(("user", 6)) and len(chosen) == 3
    assert chosen.ids("user") == [2, 5] and chosen.ids("conv") == [9]
    assert chosen.toggle(("user", 2)) and not chosen.has(("user", 2)) and chosen.toggle(("user", 6))
    assert chosen.ids("user") == [5, 6]
    chosen.clear()
    assert len(chosen) == 0


def test_invite_links_and_codes() -> None:
    link = PP.invite_link("https://shop.example/p/7?x=1#top", "AbC-123")
    assert link == "https://shop.example/p/7?x=1#parley-invite=AbC-123"
    assert PP.invite_code(link) == "AbC-123"
    assert PP.invite_code("#parley-invite=xyz") == "xyz"
    assert PP.invite_code("#a=1&parley-invite=xyz") == "xyz"
    for nothing in ("", "#", "https://a.example/", "#parley-invite=", "#parley-invite=a b", "#other=1"):
        assert PP.invite_code(nothing) is None, nothing
    assert PP.invite_code("#parley-invite=" + "x" * 65) is None
    assert PP.without_invite(link) == "https://shop.example/p/7?x=1"
    assert PP.without_invite("https://a.example/#a=1&parley-invite=z") == "https://a.example/#a=1"
    assert PP.without_invite("https://a.example/") == "https://a.example/"


def test_replies_settle_by_rid_and_raise_the_server_code() -> None:
    async def scenario() -> None:
        replies = Replies()
        first, second, third = replies.new_rid(), replies.new_rid(), replies.new_rid()
        waiters = [replies.expect(rid) for rid in (first, second, third)]
        assert not replies.take(P.make_done("elsewhere"))
        assert replies.take(P.make_found(first, [{"id": 3, "username": "carol", "name": "Carol", "rel": "none"}]))
        assert replies.take(P.make_error(P.E_LIMIT, "too many members", ref=second))
        assert (await replies.wait(first, waiters[0]))["users"][0]["id"] == 3
        with pytest.raises(ParleyError) as caught:
            await replies.wait(second, waiters[1])
        assert caught.value.code == P.E_LIMIT and caught.value.message == "too many members"
        replies.fail_all("network", "closed")
        with pytest.raises(ParleyError, match="closed"):
            await replies.wait(third, waiters[2])
        assert len(replies) == 0
        late = replies.new_rid()
        with pytest.raises(ParleyError) as timed_out:
            await replies.wait(late, replies.expect(late), timeout=0.01)
        assert timed_out.value.code == "timeout" and len(replies) == 0

    asyncio.run(scenario())


def test_resync_gone_forgets_the_conversation_and_its_unsent_messages() -> None:
    state = S.ChatState(me=1)
    state.add_conversation(5, last_pos=4, read_pos=1, info={"kind": "group", "members": [1, 2]})
    state.queue_send(5, P.KIND_TEXT, text="hi", cid="c1", now=1)
    assert state.unread_total() == 3
    events = state.apply(P.make_resync(5, P.RESYNC_GONE))
    assert (S.EV_GONE, 5) in events and (S.EV_UNREAD, 0) in events
    assert state.conversation(5) is None and state.outbox == [] and 5 not in state.resume_positions()
    assert state.apply(P.make_resync(5, P.RESYNC_GONE)) == [(S.EV_GONE, 5)]  # twice: no harm


def test_one_share_to_several_friends_and_groups() -> None:
    state = S.ChatState(me=1)
    frame = state.queue_share("s1", {"url": "https://a.example/", "title": "A"}, to=[2, 3], convs=[9],
                              text="look")
    assert frame["to"] == [2, 3] and frame["convs"] == [9] and frame["text"] == "look"
    with pytest.raises(P.ProtocolError):
        state.queue_share("s2", {"url": "https://a.example/"}, to=list(range(2, 20)), convs=[30, 31, 32])
