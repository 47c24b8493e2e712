"""Presence: per device, friends only, rendezvous (here) by site, titles only here, hiding, fading out."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import update

from server.relay.presence import event_payload
from server.store import tables

from .harness import OTHER_ORIGIN, Relay, World, join, running

pytestmark = pytest.mark.anyio

PAGE = {"url": "https://shop.example/p/7", "title": "Red shoes"}


async def test_friend_on_the_same_site_is_here_with_title(relay: Relay, world: World) -> None:
    alice_token, bob_token = await world.token(world.alice), await world.token(world.bob)
    for user in (world.alice, world.bob):  # titles are shared only by choice
        await relay.store.update_settings(user.id, site_id=world.site, share_title=True)
    a = await join(relay, alice_token, page={"url": "https://shop.example/", "title": "Home"})
    b = await join(relay, bob_token, page=PAGE, device="bob-phone")
    seen = await a.expect("presence", user=world.bob.id)
    assert seen == {
        "t": "presence",
        "user": world.bob.id,
        "device": "bob-phone",
        "status": "online",
        "here": True,
        "title": "Red shoes",
    }
    assert b.welcome["presence"] == [
        {"user": world.alice.id, "device": a.welcome["session"], "status": "online", "here": True, "title": "Home"}
    ]


async def test_friend_on_another_site_is_online_but_not_here_and_without_title(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    await join(relay, await world.token(world.bob, world.other_site), origin=OTHER_ORIGIN, page=PAGE, device="d1")
    seen = await a.expect("presence", user=world.bob.id)
    assert seen["status"] == "online" and seen["here"] is False and "title" not in seen


async def test_presence_goes_to_friends_only(relay: Relay, world: World) -> None:
    c = await join(relay, await world.token(world.carol))
    await join(relay, await world.token(world.alice))
    assert await c.quiet(("presence",)) == []
    assert c.welcome["presence"] == []


async def test_presence_needs_the_friends_scope(relay: Relay, world: World) -> None:
    b = await join(relay, await world.token(world.bob, scope="messages"))
    await join(relay, await world.token(world.alice))
    assert await b.quiet(("presence",)) == []


async def test_away_hidden_and_leaving(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    bob_token = await world.token(world.bob)
    await relay.store.update_settings(world.bob.id, site_id=world.site, share_title=True)
    b = await join(relay, bob_token, device="bob-laptop")
    await a.expect("presence", user=world.bob.id, status="online")
    await b.send({"t": "presence", "status": "away"})
    await a.expect("presence", user=world.bob.id, status="away", device="bob-laptop")
    await b.send({"t": "presence", "status": "hidden"})
    assert (await a.expect("presence", user=world.bob.id, device="bob-laptop"))["status"] == "offline"
    await b.send({"t": "presence", "status": "online"})
    await a.expect("presence", user=world.bob.id, status="online")
    await b.send({"t": "page", "url": "https://shop.example/2", "title": "Blue shoes"})
    assert (await a.expect("presence", user=world.bob.id, title="Blue shoes"))["here"] is True
    await b.close()
    await a.expect("presence", user=world.bob.id, status="offline", device="bob-laptop")
    d = await join(relay, await world.token(world.dave))
    assert all(entry["user"] != world.bob.id for entry in d.welcome["presence"])


async def test_hiding_from_a_site_hides_the_user_there(relay: Relay, world: World) -> None:
    async with relay.store.transaction() as conn:
        await conn.execute(update(tables.consents).where(tables.consents.c.user_id == world.bob.id).values(hidden=True))
    bob_token = await world.token(world.bob)  # consent row created here; hide it
    async with relay.store.transaction() as conn:
        await conn.execute(
            update(tables.consents)
            .where(tables.consents.c.user_id == world.bob.id, tables.consents.c.site_id == world.site)
            .values(hidden=True)
        )
    a = await join(relay, await world.token(world.alice))
    a_elsewhere = await join(relay, await world.token(world.alice, world.other_site), origin=OTHER_ORIGIN)
    await join(relay, await world.token(world.bob, world.other_site), origin=OTHER_ORIGIN, device="b-other")
    seen = await a_elsewhere.expect("presence", user=world.bob.id)
    assert seen["status"] == "online" and seen["here"] is True
    assert (await a.expect("presence", user=world.bob.id))["status"] == "offline"  # hidden from this site
    await join(relay, bob_token, device="b-hidden")  # bob on the site he hides from: invisible everywhere
    assert (await a_elsewhere.expect("presence", user=world.bob.id, device="b-hidden"))["status"] == "offline"


async def test_multiple_devices_are_separate_entries(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b1 = await join(relay, await world.token(world.bob), device="one")
    await join(relay, await world.token(world.bob), device="two")
    await a.expect("presence", user=world.bob.id, device="one", status="online")
    await a.expect("presence", user=world.bob.id, device="two", status="online")
    await b1.close()
    await a.expect("presence", user=world.bob.id, device="one", status="offline")
    late = await join(relay, await world.token(world.alice))
    assert [(e["user"], e["device"]) for e in late.welcome["presence"]] == [(world.bob.id, "two")]


async def test_expired_entries_fade_out_by_polling(tmp_path: Path, relay_template: Path) -> None:
    async with running(tmp_path, relay_template, presence_ttl=2) as relay:
        world = await World(relay.store).build()
        a = await join(relay, await world.token(world.alice))
        # A device of bob's whose process died: an entry nobody refreshes.
        entry = {"s": "online", "site": world.site, "t": None, "hs": [], "sess": "ghost"}
        await relay.hub.broker.set_presence(world.bob.id, "ghost", entry, 2)
        await relay.hub.broker.publish(f"u:{world.alice.id}", event_payload(world.bob.id, "ghost", entry))
        await a.expect("presence", user=world.bob.id, device="ghost", status="online")
        started = asyncio.get_running_loop().time()
        await a.expect("presence", user=world.bob.id, device="ghost", status="offline", timeout=6)
        assert asyncio.get_running_loop().time() - started < 2 + 2  # TTL, then at most one poll interval
