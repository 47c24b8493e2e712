"""/frame/session over real HTTP: the copy-paste frame's code exchange and silent refresh through the
partitioned cookie, and the lists (`include`) a returning visitor's frame boots with."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.oauth_harness import Browser, LiveServer, get_code
from tests.support.store_data import make_friends, make_user

FRIEND = "frame-friend"


def frame_post(server: LiveServer, path: str, body: dict[str, str], cookie: str | None = None) -> httpx.Response:
    """POST as the widget frame does: from the Parley origin, with the custom header."""
    headers = {"X-Parley-Frame": "1", "Origin": server.url}
    if cookie:
        headers["Cookie"] = cookie
    return httpx.post(server.url + "/frame/session" + path, json=body, headers=headers)


def kept_cookie(response: httpx.Response) -> str:
    """The refresh cookie the answer set (name=value), checked to be HttpOnly and Partitioned."""
    set_cookie = response.headers["set-cookie"]
    assert "HttpOnly" in set_cookie and "Partitioned" in set_cookie and "SameSite=None" in set_cookie
    return set_cookie.split(";")[0]


def api(server: LiveServer, token: str, path: str) -> Any:
    response = httpx.get(server.url + "/api/v1" + path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def visitor(server: LiveServer, browser: Browser, username: str) -> str:
    """A signed-up visitor with one friend and one direct conversation with them."""
    browser.sign_up(username)

    async def befriend(store: Any) -> None:
        me = await store.get_user_by_username(username)
        friend = await store.get_user_by_username(FRIEND) or await make_user(store, FRIEND)
        await make_friends(store, me, friend)
        await store.open_direct(me.id, friend.id)

    server.run(befriend)
    return username


def sign_in(server: LiveServer, browser: Browser, scopes: tuple[str, ...], include: str) -> tuple[str, httpx.Response]:
    """Register a site with `scopes`, run the popup's authorize step, exchange at /frame/session."""
    client_id = browser.register_site("Frame Site", ["https://host.example"], scopes=scopes)
    callback = server.url + "/oauth/callback"
    code, verifier = get_code(browser, client_id, callback)
    answer = frame_post(server, "", {"client_id": client_id, "code": code, "code_verifier": verifier,
                                     "redirect_uri": callback, "include": include})
    assert answer.status_code == 200, answer.text
    return client_id, answer


def test_refresh_with_include_carries_what_the_api_lists(server: LiveServer, browser: Browser, visitor: str) -> None:
    client_id, first = sign_in(server, browser, ("profile", "friends", "messages"), "friends conversations")
    body = first.json()
    assert "refresh_token" not in body  # it lives in the cookie only
    assert body["user"]["username"] == visitor
    assert [f["username"] for f in body["friends"]] == [FRIEND]
    assert body["friends"] == api(server, body["access_token"], "/friends")["friends"]
    assert body["conversations"] == api(server, body["access_token"], "/conversations")["conversations"]
    assert all(len(c["people"]) == len(c["members"]) and "owner" in c for c in body["conversations"])  # named

    again = frame_post(server, "/refresh", {"client_id": client_id, "include": "friends conversations"},
                       kept_cookie(first))
    assert again.status_code == 200, again.text
    restored = again.json()
    assert restored["access_token"] != body["access_token"]
    assert restored["friends"] == body["friends"]
    assert [c["members"] for c in restored["conversations"]] == [c["members"] for c in body["conversations"]]
    assert len(restored["conversations"]) == 1


def test_refresh_without_include_carries_no_lists(server: LiveServer, browser: Browser, visitor: str) -> None:
    client_id, first = sign_in(server, browser, ("profile", "friends", "messages"), "")
    assert "friends" not in first.json() and "conversations" not in first.json()
    again = frame_post(server, "/refresh", {"client_id": client_id}, kept_cookie(first))
    assert again.status_code == 200, again.text
    assert again.json()["user"]["username"] == visitor
    assert "friends" not in again.json() and "conversations" not in again.json()


def test_include_gives_only_what_the_scope_allows(server: LiveServer, browser: Browser, visitor: str) -> None:
    _, answer = sign_in(server, browser, ("profile", "messages"), "friends conversations")
    body = answer.json()
    assert "friends" not in body  # the site may not see this visitor's friends
    assert len(body["conversations"]) == 1
    _, answer = sign_in(server, browser, ("profile",), "friends conversations")
    assert "friends" not in answer.json() and "conversations" not in answer.json()


def test_refresh_without_cookie_or_from_elsewhere(server: LiveServer, browser: Browser, visitor: str) -> None:
    client_id, first = sign_in(server, browser, ("profile", "friends"), "friends")
    assert frame_post(server, "/refresh", {"client_id": client_id}).status_code == 204  # nothing kept
    forged = httpx.post(server.url + "/frame/session/refresh", json={"client_id": client_id, "include": "friends"},
                        headers={"Origin": "https://host.example", "X-Parley-Frame": "1",
                                 "Cookie": kept_cookie(first)})
    assert forged.status_code == 403
    assert "friends" not in forged.text
