"""The handshake: hello within the timeout, token, origin, scopes, version; revocation closes sockets."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from server.relay import hub as hub_module
from server.store import tables
from server.store.secrets import hash_secret

from .harness import OTHER_ORIGIN, SITE_ORIGIN, Client, Relay, World, add_token, join, open_socket

pytestmark = pytest.mark.anyio


async def hello_close(
    relay: Relay, hello: dict[str, object] | str, origin: str | None = "https://shop.example"
) -> tuple[list[dict[str, object]], int | None]:
    client = Client(await open_socket(relay.url, origin))
    await client.send(hello)
    frames = []
    code = None
    try:
        while True:
            frames.append(json.loads(await client.ws.recv()))
    except Exception:
        code = client.ws.close_code
    return frames, code


async def test_no_hello_in_time_closes_4408(relay: Relay) -> None:
    relay.hub.hello_timeout = 0.3
    client = Client(await open_socket(relay.url))
    assert await client.closed() == 4408


async def test_frame_before_hello_closes_4400(relay: Relay) -> None:
    frames, code = await hello_close(relay, {"t": "ping"})
    assert code == 4400 and frames[0]["code"] == "auth_required"


async def test_malformed_hello_closes_4400(relay: Relay) -> None:
    frames, code = await hello_close(relay, "{not json")
    assert code == 4400 and frames[0]["code"] == "bad_json"


async def test_unknown_token_closes_4001(relay: Relay, world: World) -> None:
    assert (await hello_close(relay, {"t": "hello", "v": 1, "token": "nope"}))[1] == 4001


async def test_expired_token_closes_4001(relay: Relay, world: World) -> None:
    token = await add_token(relay.store, world.alice.id, world.site, ttl_ms=-1)
    assert (await hello_close(relay, {"t": "hello", "v": 1, "token": token}))[1] == 4001


async def test_revoked_token_closes_4010(relay: Relay, world: World) -> None:
    token = await world.token(world.alice)
    async with relay.store.transaction() as conn:
        await conn.execute(update(tables.oauth_tokens).values(revoked_at=1))
    assert (await hello_close(relay, {"t": "hello", "v": 1, "token": token}))[1] == 4010


async def test_unsupported_version_closes_4426(relay: Relay, world: World) -> None:
    frames, code = await hello_close(relay, {"t": "hello", "v": 2, "token": await world.token(world.alice)})
    assert code == 4426 and frames[0]["code"] == "unsupported_version"


async def test_origin_must_be_the_sites_or_parleys(relay: Relay, world: World) -> None:
    token = await world.token(world.alice)
    assert (await hello_close(relay, {"t": "hello", "v": 1, "token": token}, OTHER_ORIGIN))[1] == 4003
    ok = await join(relay, token, origin="http://parley.test")  # the copy-paste frame on Parley's origin
    assert ok.welcome["me"]["id"] == world.alice.id
    native = await join(relay, token, origin=None)  # not a browser: the token alone decides
    assert native.welcome["t"] == "welcome"


async def test_token_without_realtime_scopes_closes_4003(relay: Relay, world: World) -> None:
    token = await world.token(world.alice, scope="profile")
    assert (await hello_close(relay, {"t": "hello", "v": 1, "token": token}))[1] == 4003


async def test_revoke_hook_closes_that_sites_sockets_at_once(relay: Relay, world: World) -> None:
    here = await join(relay, await world.token(world.alice))
    elsewhere = await join(relay, await world.token(world.alice, world.other_site), origin=OTHER_ORIGIN)
    await relay.app.state.on_revoke(world.alice.id, world.site)
    assert await here.closed() == 4010
    await elsewhere.send({"t": "ping"})
    await elsewhere.expect("pong")


async def test_revoking_one_sign_in_over_oauth_closes_its_socket_at_once_and_only_its(
    relay: Relay, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/oauth/revoke (a site signing its visitor out, RFC 7009) closes the sockets opened with that grant's
    tokens now, not at the relay's next periodic check (30 s); the same user's other sign-in on the site
    stays."""
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # this app's public URL is http://parley.test
    signed_out_token, other_token = await world.token(world.alice), await world.token(world.alice)
    signed_out = await join(relay, signed_out_token)
    other = await join(relay, other_token)
    async with relay.store.transaction() as conn:
        client_id = await conn.scalar(select(tables.sites.c.client_id).where(tables.sites.c.id == world.site))
    async with httpx.AsyncClient() as http:
        answer = await http.post(f"{relay.http}/oauth/revoke", data={"token": signed_out_token, "client_id": client_id},
                                 headers={"Origin": SITE_ORIGIN})
    assert answer.status_code == 200
    assert await signed_out.closed(timeout=5.0) == 4010
    await other.send({"t": "ping"})
    await other.expect("pong")


async def test_a_revocation_order_rechecks_only_that_users_sockets_on_that_site(relay: Relay, world: World) -> None:
    revoked_token = await world.token(world.alice)
    revoked = await join(relay, revoked_token)
    elsewhere = await join(relay, await world.token(world.alice, world.other_site), origin=OTHER_ORIGIN)
    bob = await join(relay, await world.token(world.bob))
    async with relay.store.transaction() as conn:  # every token of every user is revoked in the database...
        await conn.execute(update(tables.oauth_tokens).values(revoked_at=1))
    await relay.app.state.on_tokens_revoked(world.alice.id, world.site)  # ...but only this order is given
    assert await revoked.closed() == 4010
    for client in (elsewhere, bob):  # other sites' and other users' sockets wait for the periodic check
        await client.send({"t": "ping"})
        await client.expect("pong")


async def test_periodic_recheck_closes_revoked_and_expired_tokens(relay: Relay, world: World) -> None:
    revoked_token = await world.token(world.alice)
    expiring_token = await world.token(world.bob)
    revoked = await join(relay, revoked_token)
    expiring = await join(relay, expiring_token)
    async with relay.store.transaction() as conn:
        await conn.execute(
            update(tables.oauth_tokens)
            .where(tables.oauth_tokens.c.access_token_hash == hash_secret(revoked_token))
            .values(revoked_at=1)
        )
        await conn.execute(
            update(tables.oauth_tokens)
            .where(tables.oauth_tokens.c.access_token_hash == hash_secret(expiring_token))
            .values(access_expires_at=1)
        )
    await relay.hub.recheck()
    assert await revoked.closed() == 4010
    assert await expiring.closed() == 4001


async def test_periodic_recheck_reads_the_store_in_slices(relay: Relay, world: World,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_module, "RECHECK_SLICE", 1)  # one user per read, as 500 of 20,000 are
    for user in (world.alice, world.bob, world.dave):
        await join(relay, await world.token(user))
    reads: list[int] = []
    friend_sets = relay.store.friend_sets

    async def counted(user_ids: Any) -> dict[int, frozenset[int]]:
        ids = list(user_ids)
        reads.append(len(ids))
        return await friend_sets(ids)

    monkeypatch.setattr(relay.store, "friend_sets", counted)
    relay.hub.presence.friends[world.bob.id] = frozenset()  # stale: the re-check reads it again
    await relay.hub.recheck()
    assert reads == [1, 1, 1]
    assert relay.hub.presence.friends[world.bob.id] == frozenset({world.alice.id})
