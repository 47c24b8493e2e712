"""People over real sockets: every friend operation reaches both people's sockets with their own view,
presence follows at once (friendship, removal, block, both directions), find's rules and pacing, invites, the
privacy choices, and the ``people`` scope."""

from __future__ import annotations

from typing import Any

import pytest
from parley import protocol as P

from .harness import ALL_SCOPES, OTHER_ORIGIN, Client, Relay, World, join
from .test_groups import seen_all

pytestmark = pytest.mark.anyio

PEOPLE = ALL_SCOPES + " people"
FRIENDS = "friends"
REFUSED = "this person does not take friend requests from you"


async def people_socket(relay: Relay, world: World, user: Any, site: int | None = None, **kwargs: Any) -> Client:
    origin = OTHER_ORIGIN if site == world.other_site else kwargs.pop("origin", None)
    token = await world.token(user, site, PEOPLE)
    return await join(relay, token, **({"origin": origin} if origin else {}), **kwargs)


async def answer(client: Client, frame: dict[str, Any]) -> dict[str, Any]:
    """Send a frame with a rid; the done/found/invites/error frame answering it (checked by the protocol)."""
    await client.send(frame)
    while True:
        got = await client.recv()
        if got.get("rid") == frame["rid"] or got.get("ref") == frame["rid"]:
            if got["t"] != "error":
                P.validate(got, P.SERVER_FRAMES)
            return got


async def test_request_accept_remove_reach_both_people_and_presence_follows(relay: Relay, world: World) -> None:
    alice, carol = world.alice, world.carol
    a1 = await people_socket(relay, world, alice, device="alice-laptop")
    a2 = await people_socket(relay, world, alice, world.other_site, device="alice-phone")
    c = await people_socket(relay, world, carol, device="carol-laptop")
    assert not [p for p in c.welcome["presence"] if p["user"] == alice.id]

    done = await answer(c, {"t": "friend", "rid": "r1", "op": "request", "username": "Alice"})
    assert done == {"t": "done", "rid": "r1", "rel": "outgoing"}
    carol_person = {"id": carol.id, "username": "carol", "name": "Carol"}
    alice_person = {"id": alice.id, "username": "alice", "name": "Alice"}
    await seen_all(c, ("friendship", {"user": alice_person, "rel": "outgoing"}))
    for socket in (a1, a2):  # every socket of alice, each site
        await seen_all(socket, ("friendship", {"user": carol_person, "rel": "incoming"}))

    assert (await answer(a2, {"t": "friend", "rid": "r2", "op": "accept", "user": carol.id}))["rel"] == "friends"
    await seen_all(c, ("friendship", {"user": alice_person, "rel": "friends"}))
    # presence follows at once: each sees the other's devices, rendered for the viewer's site
    seen = await seen_all(
        c,
        ("presence", {"user": alice.id, "device": "alice-laptop"}),
        ("presence", {"user": alice.id, "device": "alice-phone"}),
    )
    assert [(p["status"], p["here"]) for p in seen] == [("online", True), ("online", False)]
    await seen_all(a1, ("friendship", {"user": carol_person, "rel": "friends"}))
    assert (await seen_all(a1, ("presence", {"user": carol.id, "device": "carol-laptop"})))[0]["here"] is True
    # a message now reaches carol live (alice's friend set is current in the relay)
    await c.send({"t": "page", "url": "https://shop.example/moved"})
    assert (await seen_all(a2, ("presence", {"user": carol.id, "device": "carol-laptop"})))[0]["here"] is False

    assert (await answer(c, {"t": "friend", "rid": "r3", "op": "remove", "user": alice.id}))["rel"] == "none"
    await seen_all(a1, ("friendship", {"user": carol_person, "rel": "none"}))
    await seen_all(a1, ("presence", {"user": carol.id, "device": "carol-laptop", "status": "offline"}))
    await seen_all(c, ("presence", {"user": alice.id, "device": "alice-laptop", "status": "offline"}))
    await seen_all(c, ("presence", {"user": alice.id, "device": "alice-phone", "status": "offline"}))
    # and no presence of the other after that: alice moving is not shown to carol any more
    await a1.send({"t": "presence", "status": "away"})
    assert not [f for f in await c.quiet(("presence",), 0.5) if f["user"] == alice.id]


async def test_cancel_and_decline(relay: Relay, world: World) -> None:
    c = await people_socket(relay, world, world.carol)
    d = await people_socket(relay, world, world.dave)
    await answer(c, {"t": "friend", "rid": "q1", "op": "request", "user": world.dave.id})
    assert (await answer(c, {"t": "friend", "rid": "q2", "op": "cancel", "user": world.dave.id}))["rel"] == "none"
    await seen_all(d, ("friendship", {"rel": "incoming"}), ("friendship", {"rel": "none"}))
    await answer(c, {"t": "friend", "rid": "q3", "op": "request", "user": world.dave.id})
    assert (await answer(d, {"t": "friend", "rid": "q4", "op": "decline", "user": world.carol.id}))["rel"] == "none"
    missing = await answer(d, {"t": "friend", "rid": "q5", "op": "accept", "user": world.carol.id})
    assert missing["code"] == "not_found"


async def test_block_ends_presence_both_ways_at_once_and_stops_messages_and_requests(
    relay: Relay, world: World
) -> None:
    alice, bob = world.alice, world.bob
    a = await people_socket(relay, world, alice, device="alice-1")
    b = await people_socket(relay, world, bob, device="bob-1")
    await seen_all(a, ("presence", {"user": bob.id, "device": "bob-1", "status": "online"}))
    assert (await answer(a, {"t": "friend", "rid": "b1", "op": "block", "user": bob.id}))["rel"] == "blocked"
    await seen_all(a, ("friendship", {"user": {"id": bob.id, "username": "bob", "name": "Bob"}, "rel": "blocked"}))
    await seen_all(b, ("friendship", {"user": {"id": alice.id, "username": "alice", "name": "Alice"}, "rel": "none"}))
    await seen_all(a, ("presence", {"user": bob.id, "device": "bob-1", "status": "offline"}))
    await seen_all(b, ("presence", {"user": alice.id, "device": "alice-1", "status": "offline"}))
    await a.send({"t": "presence", "status": "away"})
    assert not [f for f in await b.quiet(("presence",), 0.5) if f["user"] == alice.id]
    cid = await b.send_text(world.conv, "are you there?")
    refused = await b.expect("error", ref=cid)
    assert refused["code"] == "forbidden"
    again = await answer(b, {"t": "friend", "rid": "b2", "op": "request", "user": alice.id})
    assert (again["code"], again["message"]) == ("forbidden", REFUSED)
    # the same answer as someone who takes no requests at all: the block is not revealed
    await relay.store.update_settings(world.dave.id, requests="nobody")
    nobody = await answer(b, {"t": "friend", "rid": "b3", "op": "request", "username": "dave"})
    assert (nobody["code"], nobody["message"]) == ("forbidden", REFUSED)
    assert (await answer(a, {"t": "friend", "rid": "b4", "op": "unblock", "user": bob.id}))["rel"] == "none"
    assert not [f for f in await b.quiet(("friendship",), 0.3)]  # bob's view stayed "none": nothing to tell


async def test_find_rules(relay: Relay, world: World) -> None:
    store = relay.store
    await store.create_user("carolyn", "Carolyn Baker", "password-1")
    hidden = await store.create_user("carola", "Carola Hidden", "password-1")
    await store.update_settings(hidden.id, findable="nobody")
    a = await people_socket(relay, world, world.alice)
    found = await answer(a, {"t": "find", "rid": "f1", "q": " CAROL "})
    assert [(u["username"], u["rel"]) for u in found["users"]] == [("carol", "none"), ("carolyn", "none")]
    found = await answer(a, {"t": "find", "rid": "f2", "q": "bak"})
    assert [u["username"] for u in found["users"]] == ["carolyn"]
    assert (await answer(a, {"t": "find", "rid": "f3", "q": "ali"}))["users"] == []  # never yourself
    assert [u["rel"] for u in (await answer(a, {"t": "find", "rid": "f4", "q": "bob"}))["users"]] == ["friends"]
    await store.block(world.carol.id, world.alice.id)
    assert [u["username"] for u in (await answer(a, {"t": "find", "rid": "f5", "q": "carol"}))["users"]] == ["carolyn"]
    short = await answer(a, {"t": "find", "rid": "f6", "q": "c"})
    assert short["code"] == "bad_field"


async def test_many_searches_in_a_row_are_refused(relay: Relay, world: World) -> None:
    """Enumeration: after a burst, searches are refused (rate_limited) and answer nothing."""
    a = await people_socket(relay, world, world.alice)
    answers = [await answer(a, {"t": "find", "rid": f"e{i}", "q": f"user{i:02d}"}) for i in range(14)]
    assert [x["t"] for x in answers[:10]] == ["found"] * 10
    assert [x.get("code") for x in answers[10:]] == ["rate_limited"] * 4
    # the limit is the user's, not the socket's: a new socket is refused as well
    other = await people_socket(relay, world, world.alice)
    assert (await answer(other, {"t": "find", "rid": "e99", "q": "bob"}))["code"] == "rate_limited"


async def test_invites_create_list_revoke_accept(relay: Relay, world: World) -> None:
    alice, carol = world.alice, world.carol
    a = await people_socket(relay, world, alice)
    c = await people_socket(relay, world, carol)
    made = await answer(a, {"t": "invite", "rid": "i1", "op": "create", "url": "https://shop.example/p/7"})
    [invite] = made["invites"]
    assert invite["url"] == "https://shop.example/p/7" and len(invite["code"]) <= 64
    listed = await answer(a, {"t": "invite", "rid": "i2", "op": "list"})
    assert listed["invites"] == [invite]
    foreign = await answer(a, {"t": "invite", "rid": "i3", "op": "create", "url": "https://evil.example/"})
    assert foreign["code"] == "bad_field"
    own = await answer(a, {"t": "invite", "rid": "i4", "op": "accept", "code": invite["code"]})
    assert own["code"] == "bad_field"
    forged = invite["code"][:-2] + ("AA" if not invite["code"].endswith("AA") else "BB")
    assert (await answer(c, {"t": "invite", "rid": "i5", "op": "accept", "code": forged}))["code"] == "not_found"
    accepted = await answer(c, {"t": "invite", "rid": "i6", "op": "accept", "code": invite["code"]})
    assert accepted["rel"] == "friends" and accepted["conv"] == (await relay.store.open_direct(alice.id, carol.id)).id
    await seen_all(a, ("friendship", {"user": {"id": carol.id, "username": "carol", "name": "Carol"}, "rel": FRIENDS}))
    await seen_all(c, ("friendship", {"user": {"id": alice.id, "username": "alice", "name": "Alice"}, "rel": FRIENDS}))
    erin = await people_socket(relay, world, await relay.store.create_user("erin", "Erin", "password-1"))
    used = await answer(erin, {"t": "invite", "rid": "i7", "op": "accept", "code": invite["code"]})
    assert used["code"] == "not_found"  # used once
    second = (await answer(a, {"t": "invite", "rid": "i8", "op": "create", "url": "https://shop.example/"}))["invites"][0]
    assert (await answer(a, {"t": "invite", "rid": "i9", "op": "revoke", "code": second["code"]})) == {
        "t": "done", "rid": "i9"
    }
    assert (await answer(a, {"t": "invite", "rid": "i10", "op": "list"}))["invites"] == []
    for i in range(20):
        await answer(a, {"t": "invite", "rid": f"m{i}", "op": "create", "url": f"https://shop.example/{i}"})
    over = await answer(a, {"t": "invite", "rid": "m20", "op": "create", "url": "https://shop.example/more"})
    assert over["code"] == "limit"


async def test_people_frames_need_the_people_scope(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))  # profile friends messages share
    for frame in (
        {"t": "friend", "rid": "s1", "op": "request", "username": "carol"},
        {"t": "find", "rid": "s2", "q": "carol"},
        {"t": "invite", "rid": "s3", "op": "list"},
    ):
        refused = await answer(a, frame)
        assert refused["code"] == "forbidden" and "people" in refused["message"]
    assert (await relay.store.list_requests(world.carol.id)).incoming == ()
    assert "findable" not in a.welcome["settings"]  # privacy choices: neither shown nor changed without people
    refused = await answer(a, {"t": "settings", "rid": "s4", "findable": "everyone"})
    assert refused["code"] == "forbidden"


async def test_privacy_choices_in_welcome_and_settings_frames(relay: Relay, world: World) -> None:
    a = await people_socket(relay, world, world.alice)
    assert (a.welcome["settings"]["findable"], a.welcome["settings"]["requests"]) == ("everyone", "everyone")
    other = await people_socket(relay, world, world.alice, world.other_site)
    await a.send({"t": "settings", "rid": "p1", "findable": "nobody", "requests": "friends_of_friends"})
    mine = await a.expect("settings", rid="p1")
    assert (mine["findable"], mine["requests"]) == ("nobody", "friends_of_friends")
    pushed = await other.expect("settings")
    assert (pushed["findable"], pushed["requests"]) == ("nobody", "friends_of_friends")
    c = await people_socket(relay, world, world.carol)
    assert (await answer(c, {"t": "find", "rid": "p2", "q": "alice"}))["users"] == []
    refused = await answer(c, {"t": "friend", "rid": "p3", "op": "request", "username": "alice"})
    assert refused["code"] == "forbidden"
