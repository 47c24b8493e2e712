"""Moderation on the relay: the `report` frame (done, bad input, pacing), a ban closing the user's sockets on
that site at once (4013) while other sites stay open, hello refused while banned; across two server processes
on PostgreSQL + Redis, a ban from the console of process one closes the socket on process two at once, and
`parley user disable` closes every socket in both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from server.store import Store
from tests.support.store_data import add_web_session, make_friends, make_user

from .harness import OTHER_ORIGIN, SITE_ORIGIN, Relay, World, add_site, add_token, join
from .processes import ROOT, ServeProcess
from .test_auth import hello_close
from .test_processes import pg_store, redis_broker_url

pytestmark = pytest.mark.anyio

__all__ = ["pg_store", "redis_broker_url"]  # fixtures shared with test_processes.py


async def test_report_frame_stores_a_report_for_the_sockets_site(relay: Relay, world: World) -> None:
    alice = await join(relay, await world.token(world.alice))
    bob = await join(relay, await world.token(world.bob, scope="profile friends"))
    cid = await alice.send_text(world.conv, "spam spam spam")
    ack = await alice.expect("ack", cid=cid)
    await bob.send({"t": "report", "rid": "r1", "conv": world.conv, "msg": ack["id"], "reason": "spam"})
    await bob.expect("done", rid="r1")
    await bob.send({"t": "report", "rid": "r2", "user": world.alice.id, "reason": "other", "note": " hi "})
    await bob.expect("done", rid="r2")
    reports = await relay.store.open_reports(world.site)
    assert [(r.reporter.id, r.reported.id, r.message_text, r.note) for r in reports] == [
        (world.bob.id, world.alice.id, "spam spam spam", ""), (world.bob.id, world.alice.id, "", "hi")]
    assert await relay.store.open_reports(world.other_site) == []


@pytest.mark.parametrize("frame, code", [
    ({"reason": "spam"}, "bad_field"),
    ({"reason": "nope", "user": 1}, "bad_field"),
    ({"reason": "spam", "msg": 1}, "bad_field"),
    ({"reason": "spam", "user": 999_999}, "not_found"),
    ({"reason": "spam", "conv": 1, "msg": 999_999}, "not_found"),
])
async def test_bad_reports_are_errors_and_store_nothing(relay: Relay, world: World, frame, code) -> None:
    carol = await join(relay, await world.token(world.carol))
    if frame.get("user") == 1:
        frame = {**frame, "user": world.alice.id}
    await carol.send({"t": "report", "rid": "r", **frame})
    assert (await carol.expect("error"))["code"] == code
    assert await relay.store.open_reports(world.site) == []


async def test_reports_are_paced(relay: Relay, world: World) -> None:
    carol = await join(relay, await world.token(world.carol))
    for n in range(10):
        await carol.send({"t": "report", "rid": f"r{n}", "user": world.alice.id, "reason": "spam"})
        await carol.expect("done", rid=f"r{n}")
    await carol.send({"t": "report", "rid": "r10", "user": world.alice.id, "reason": "spam"})
    assert (await carol.expect("error", ref="r10"))["code"] == "rate_limited"


async def test_a_ban_closes_that_sites_sockets_at_once_and_hello_is_refused(relay: Relay, world: World) -> None:
    here = await join(relay, await world.token(world.bob))
    elsewhere = await join(relay, await world.token(world.bob, world.other_site), origin=OTHER_ORIGIN)
    assert await relay.store.ban_from_site(world.site, world.bob.id, world.alice.id)
    await relay.app.state.on_banned(world.bob.id, world.site)
    assert await here.closed() == 4013
    await elsewhere.send({"t": "ping"})
    await elsewhere.expect("pong")
    token = await world.token(world.bob)
    assert (await hello_close(relay, {"t": "hello", "v": 1, "token": token}))[1] == 4013
    assert await relay.store.lift_ban(world.site, world.bob.id, world.alice.id)
    again = await join(relay, token)
    await again.send({"t": "ping"})
    await again.expect("pong")


@pytest.mark.postgres
@pytest.mark.redis
async def test_console_ban_and_cli_disable_close_sockets_in_every_process(
    tmp_path: Path, pg_store: tuple[str, Store], redis_broker_url: str
) -> None:
    url, store = pg_store
    alice, bob = await make_user(store, "alice"), await make_user(store, "bob")
    await make_friends(store, alice, bob)
    site, other = await add_site(store, [SITE_ORIGIN]), await add_site(store, [OTHER_ORIGIN])
    await store.add_site_owner(site, alice.id)
    client_id = (await store.site_by_id(site)).client_id
    await add_web_session(store, alice.id, "alice-web", "alice-csrf")
    report = await store.create_report(site, alice.id, "abuse", reported_id=bob.id)
    env = {"AUTHLIB_INSECURE_TRANSPORT": "1"}
    one = ServeProcess(tmp_path / "one", url, redis_broker_url, **env)
    two = ServeProcess(tmp_path / "two", url, redis_broker_url, **env)
    try:
        on_two = await join(two.url, await add_token(store, bob.id, site))
        on_one = await join(one.url, await add_token(store, bob.id, site))
        elsewhere = await join(two.url, await add_token(store, bob.id, other), origin=OTHER_ORIGIN)
        async with httpx.AsyncClient(base_url=one.http, cookies={"parley_session": "alice-web"}) as http:
            banned = await http.post(f"/sites/{client_id}/moderation/reports/{report.id}/ban",
                                     data={"csrf_token": "alice-csrf"})
        assert banned.status_code == 303, banned.text
        assert await on_two.closed(timeout=3) == 4013  # the other process, at once (not the 30 s re-check)
        assert await on_one.closed(timeout=3) == 4013
        await elsewhere.send({"t": "ping"})
        await elsewhere.expect("pong")
        refused = await join(two.url, await add_token(store, bob.id, other), origin=OTHER_ORIGIN)
        # the operator disables bob: every socket of his, in both processes, closes (4010), sign-in refused
        done = subprocess.run([sys.executable, "-m", "server.cli", "user", "disable", "bob", "--database-url", url,
                               "--broker-url", redis_broker_url], cwd=ROOT, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert await elsewhere.closed(timeout=3) == 4010
        assert await refused.closed(timeout=3) == 4010
        assert await store.authenticate("bob", "password-1") is None
        enabled = subprocess.run([sys.executable, "-m", "server.cli", "user", "enable", "bob", "--database-url", url],
                                 cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert enabled.returncode == 0 and "enabled bob" in enabled.stdout
        assert (await store.authenticate("bob", "password-1")) is not None
        log = [(e.actor, e.action, e.target) for e in await store.moderation_log(None)]
        assert log == [("operator", "enable", "bob"), ("operator", "disable", "bob")]
    finally:
        one.stop()
        two.stop()
