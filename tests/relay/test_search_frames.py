"""The ``search`` frame over real sockets: own conversations only, hits with snippet ranges, pages by cursor,
bad input, the ``messages`` scope and pacing per user."""

from __future__ import annotations

import pytest
from parley import protocol as P

from tests.support.store_data import make_friends

from .harness import Relay, World, join
from .test_people import answer

pytestmark = pytest.mark.anyio


async def test_search_finds_own_messages_with_marks_and_pages(relay: Relay, world: World) -> None:
    store = world.store
    a = await join(relay, await world.token(world.alice))
    dave_conv = (await store.open_direct(world.alice.id, world.dave.id)).id
    ids = []
    for i in range(P.SEARCH_PAGE + 2):
        message, _ = await store.append_message(world.conv, world.bob.id, f"b{i}", "text", f"Picnic plan {i}")
        ids.append(message.id)
    await make_friends(store, world.bob, world.dave)
    other = await store.open_direct(world.bob.id, world.dave.id)
    await store.append_message(other.id, world.bob.id, "secret", "text", "picnic without alice")
    late, _ = await store.append_message(dave_conv, world.dave.id, "d1", "text", "the picnic is at noon")

    first = await answer(a, {"t": "search", "rid": "s1", "q": "  picn  "})
    assert first["t"] == "search_results" and len(first["hits"]) == P.SEARCH_PAGE
    top = first["hits"][0]
    assert top == {"id": late.id, "conv": dave_conv, "pos": 1, "ts": late.created_at, "from": world.dave.id,
                   "kind": "text", "snippet": "the picnic is at noon", "marks": [[4, 10]]}
    assert first["next"] == first["hits"][-1]["id"]
    second = await answer(a, {"t": "search", "rid": "s2", "q": "picn", "before": first["next"]})
    assert [h["id"] for h in second["hits"]] == ids[:3][::-1] and second["next"] is None
    every = [h["snippet"] for h in first["hits"] + second["hits"]]
    assert "picnic without alice" not in every  # bob and dave's conversation is not alice's


async def test_bad_search_is_refused_and_scope_is_needed(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    assert (await answer(a, {"t": "search", "rid": "x1", "q": "   "}))["code"] == "bad_field"
    assert (await answer(a, {"t": "search", "rid": "x2", "q": "x" * 201}))["code"] == "bad_field"
    assert (await answer(a, {"t": "search", "rid": "x3", "q": "ok", "before": 0}))["code"] == "bad_field"
    assert (await answer(a, {"t": "search", "rid": "x4", "q": 'a" OR "b'}))["hits"] == []
    friends_only = await join(relay, await world.token(world.alice, scope="friends"))
    assert (await answer(friends_only, {"t": "search", "rid": "x5", "q": "ok"}))["code"] == "forbidden"


async def test_many_searches_in_a_row_are_paced(relay: Relay, world: World) -> None:
    a = await join(relay, await world.token(world.alice))
    answers = [await answer(a, {"t": "search", "rid": f"p{i}", "q": f"word{i}"}) for i in range(22)]
    assert [x["t"] for x in answers[:20]] == ["search_results"] * 20
    assert [x.get("code") for x in answers[20:]] == ["rate_limited"] * 2
