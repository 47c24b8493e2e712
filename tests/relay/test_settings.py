"""The visitor's choices on the relay: kept on the account, read on hello (no flash of "online"), changed by a
settings frame (or presence) and applied to every socket of the user; page titles only when shared."""

from __future__ import annotations

import pytest

from .harness import OTHER_ORIGIN, Relay, World, join

pytestmark = pytest.mark.anyio

PAGE = {"url": "https://shop.example/p/7", "title": "Red shoes"}


async def test_titles_are_off_by_default_and_never_forwarded(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob), page=PAGE, device="bob-1")
    assert b.welcome["settings"] == {"status": "online", "hidden": False, "share_title": False, "sound": "site"}
    first = await a.expect("presence", user=world.bob.id, device="bob-1")
    assert first["here"] is True and "title" not in first
    await b.send({"t": "page", "url": "https://shop.example/2", "title": "Blue shoes"})
    await b.send({"t": "ping"})
    await b.expect("pong")
    late = await join(relay, await world.token(world.alice))  # what the broker holds: no title either
    assert [e.get("title") for e in late.welcome["presence"] if e["user"] == world.bob.id] == [None]


async def test_sharing_titles_on_then_off(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob), page=PAGE, device="bob-1")
    await a.expect("presence", user=world.bob.id, device="bob-1")
    await b.send({"t": "settings", "share_title": True, "rid": "s1"})
    answer = await b.expect("settings", rid="s1")
    assert answer["share_title"] is True and answer["status"] == "online"
    await b.send({"t": "page", "url": PAGE["url"], "title": "Red shoes"})  # the widget sends it once allowed
    await a.expect("presence", user=world.bob.id, device="bob-1", title="Red shoes")
    await b.send({"t": "settings", "share_title": False})
    withdrawn = await a.expect("presence", user=world.bob.id, device="bob-1")
    assert withdrawn["status"] == "online" and "title" not in withdrawn  # the title is withdrawn at once


async def test_a_stored_hidden_status_holds_from_the_first_presence_frame(relay: Relay, world: World) -> None:
    bob_token = await world.token(world.bob)
    await relay.store.update_settings(world.bob.id, status="hidden")
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, bob_token, device="bob-1")
    assert b.welcome["settings"]["status"] == "hidden"
    first = await a.expect("presence", user=world.bob.id, device="bob-1")
    assert first["status"] == "offline"
    late = await join(relay, await world.token(world.alice))
    assert all(e["user"] != world.bob.id for e in late.welcome["presence"])


async def test_presence_status_is_kept_for_the_next_connection(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob), device="bob-1")
    await a.expect("presence", user=world.bob.id, device="bob-1", status="online")
    await b.send({"t": "presence", "status": "away"})
    await a.expect("presence", user=world.bob.id, device="bob-1", status="away")
    await b.close()
    await a.expect("presence", user=world.bob.id, device="bob-1", status="offline")
    await join(relay, await world.token(world.bob), device="bob-2")  # a new page load
    assert (await a.expect("presence", user=world.bob.id, device="bob-2"))["status"] == "away"
    assert (await relay.store.account_settings(world.bob.id)).status == "away"


async def test_a_change_reaches_every_socket_of_the_user_with_its_sites_view(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b_here = await join(relay, await world.token(world.bob), device="bob-1")
    b_there = await join(relay, await world.token(world.bob, world.other_site), origin=OTHER_ORIGIN, device="bob-2")
    await a.expect("presence", user=world.bob.id, device="bob-2", status="online")
    await b_here.send({"t": "settings", "hidden": True, "sound": "off"})
    mine = await b_here.expect("settings")
    there = await b_there.expect("settings")
    assert (mine["hidden"], mine["sound"]) == (True, "off")
    assert (there["hidden"], there["sound"]) == (False, "off")  # hiding is per site, sound per account
    # hidden from this site: alice (here) sees every device of bob offline
    await a.expect("presence", user=world.bob.id, device="bob-1", status="offline")
    await a.expect("presence", user=world.bob.id, device="bob-2", status="offline")
    await b_there.send({"t": "settings", "status": "hidden"})
    assert (await b_here.expect("settings"))["status"] == "hidden"


async def test_reading_settings_and_bad_choices(relay: Relay, world: World) -> None:
    b = await join(relay, await world.token(world.bob, scope="messages"))  # no extra scope needed
    await b.send({"t": "settings", "rid": "r1"})
    assert await b.expect("settings", rid="r1") == {
        "t": "settings", "rid": "r1", "status": "online", "hidden": False, "share_title": False, "sound": "site",
    }
    for bad in ({"status": "offline"}, {"sound": "loud"}, {"hidden": "yes"}, {"share_title": 1}):
        await b.send({"t": "settings", "rid": "bad", "status": "away", **bad})
        error = await b.expect("error", ref="bad")
        assert error["code"] == "bad_field"
    assert (await relay.store.account_settings(world.bob.id)).status == "online"  # nothing was changed


async def test_the_account_page_or_api_change_reaches_live_sockets(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    b = await join(relay, await world.token(world.bob), device="bob-1")
    await a.expect("presence", user=world.bob.id, device="bob-1", status="online")
    await relay.store.update_settings(world.bob.id, status="hidden")
    await relay.hub.settings_changed(world.bob.id)  # what app.state.on_settings_changed calls
    assert (await b.expect("settings"))["status"] == "hidden"
    await a.expect("presence", user=world.bob.id, device="bob-1", status="offline")
