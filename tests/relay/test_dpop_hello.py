"""The relay's hello with a DPoP-bound token: only a `dpop` proof of the token's key (GET on the ws URL the
public URL names, `ath` of the token, unused jti) opens the socket; anything else closes 4001."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from server.store import tables
from server.store.secrets import hash_secret
from tests.support.dpop_keys import ProofKey

from .harness import Client, Relay, World, join, open_socket
from .test_auth import hello_close

pytestmark = pytest.mark.anyio
WS = "ws://parley.test/v1/ws"  # the relay harness's public URL is http://parley.test


async def bound_token(relay: Relay, world: World, key: ProofKey) -> str:
    token = await world.token(world.alice)
    async with relay.store.transaction() as conn:
        await conn.execute(update(tables.oauth_tokens)
                           .where(tables.oauth_tokens.c.access_token_hash == hash_secret(token))
                           .values(jkt=key.jkt))
    return token


def hello(token: str, proof: str | None) -> dict[str, Any]:
    frame: dict[str, Any] = {"t": "hello", "v": 1, "token": token}
    if proof is not None:
        frame["dpop"] = proof
    return frame


async def test_a_bound_token_needs_a_proof_of_its_key(relay: Relay, world: World) -> None:
    key, thief = ProofKey(), ProofKey()
    token = await bound_token(relay, world, key)
    refusals = {
        "no proof": None,
        "another key": thief.proof("GET", WS, token=token),
        "another token's ath": key.proof("GET", WS, token="someone else's"),
        "no ath": key.proof("GET", WS),
        "another URL": key.proof("GET", "ws://evil.test/v1/ws", token=token),
        "another method": key.proof("POST", WS, token=token),
        "stale": key.proof("GET", WS, token=token, iat=1_600_000_000),
    }
    for reason, proof in refusals.items():
        frames, code = await hello_close(relay, hello(token, proof))
        assert code == 4001, reason
        assert not any(frame.get("t") == "welcome" for frame in frames), reason


async def test_the_right_proof_opens_the_socket_once(relay: Relay, world: World) -> None:
    key = ProofKey()
    token = await bound_token(relay, world, key)
    proof = key.proof("GET", WS, token=token)
    client = Client(await open_socket(relay.url))
    await client.send(hello(token, proof))
    welcome = await client.expect("welcome")
    assert welcome["me"]["id"] == world.alice.id
    await client.close()
    replayed = await hello_close(relay, hello(token, proof))
    assert replayed[1] == 4001  # the same proof (jti) a second time


async def test_an_unbound_token_still_opens_without_a_proof(relay: Relay, world: World) -> None:
    client = await join(relay, await world.token(world.alice))
    assert client.welcome["me"]["id"] == world.alice.id
