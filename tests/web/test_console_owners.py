"""Several owners per site (invitation by username, accept, decline, remove, never the last one) and the
console's authorization: a user who does not own a site gets the same 404 on every route (no IDOR)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.oauth_harness import Browser, LiveServer


@pytest.fixture
def other(web_server: LiveServer, username: str) -> Iterator[Browser]:
    client = Browser(web_server)
    client.sign_up(username + "o", display_name="Other Owner")
    yield client
    client.close()


def owners_of(web_server: LiveServer, client_id: str) -> list[tuple[str, bool]]:
    async def read(store: object) -> list[tuple[str, bool]]:
        site = await store.site_by_client_id(client_id)  # type: ignore[attr-defined]
        return [(o.username, o.accepted) for o in await store.site_owners(site.id)]  # type: ignore[attr-defined]

    return web_server.run(read)


def user_id(web_server: LiveServer, name: str) -> int:
    async def read(store: object) -> int:
        return int((await store.get_user_by_username(name)).id)  # type: ignore[attr-defined]

    return web_server.run(read)


def test_invite_accept_and_remove(web_server: LiveServer, browser: Browser, other: Browser, username: str) -> None:
    browser.sign_up(username)
    client_id = browser.register_site("Shared", ["https://shared.example"])
    page = f"/sites/{client_id}"
    assert owners_of(web_server, client_id) == [(username, True)]

    unknown = browser.post(f"{page}/owners", {"csrf_token": browser.csrf(page), "username": "nobody-here-x"})
    assert unknown.status_code == 400 and 'id="o-username-error"' in unknown.text
    assert "No Parley user is called" in unknown.text
    invited = browser.post(f"{page}/owners", {"csrf_token": browser.csrf(page), "username": username + "o"})
    assert invited.status_code == 303
    again = browser.post(f"{page}/owners", {"csrf_token": browser.csrf(page), "username": username + "o"})
    assert again.status_code == 400 and "already owns this site or is invited" in again.text
    assert owners_of(web_server, client_id) == [(username, True), (username + "o", False)]

    # invited, not yet an owner: the site is not theirs, the invitation is on their /sites page
    assert other.get(page).status_code == 404
    listing = other.get("/sites").text
    assert "You are invited to own <strong>Shared</strong>" in listing
    accepted = other.post(f"{page}/invitation", {"csrf_token": other.csrf("/sites"), "answer": "accept"})
    assert accepted.status_code == 303 and other.get(page).status_code == 200
    assert "Shared" in other.get("/sites").text and "invited to own" not in other.get("/sites").text

    # the new owner removes the first; then the last owner cannot remove themself
    first = user_id(web_server, username)
    removed = other.post(f"{page}/owners/{first}/remove", {"csrf_token": other.csrf(page)})
    assert removed.status_code == 303 and browser.get(page).status_code == 404
    last = other.post(f"{page}/owners/{user_id(web_server, username + 'o')}/remove", {"csrf_token": other.csrf(page)})
    assert last.status_code == 400 and "at least one owner" in last.text
    assert owners_of(web_server, client_id) == [(username + "o", True)]


def test_declining_an_invitation(web_server: LiveServer, browser: Browser, other: Browser, username: str) -> None:
    browser.sign_up(username)
    client_id = browser.register_site("Declined", ["https://declined.example"])
    browser.post(f"/sites/{client_id}/owners", {"csrf_token": browser.csrf(f"/sites/{client_id}"),
                                                "username": username + "o"})
    declined = other.post(f"/sites/{client_id}/invitation", {"csrf_token": other.csrf("/sites"), "answer": "decline"})
    assert declined.status_code == 303
    assert owners_of(web_server, client_id) == [(username, True)]
    # no invitation any more: accepting does nothing
    late = other.post(f"/sites/{client_id}/invitation", {"csrf_token": other.csrf("/sites"), "answer": "accept"})
    assert late.status_code == 404 and owners_of(web_server, client_id) == [(username, True)]


def test_no_route_lets_another_user_see_or_change_a_site(
    web_server: LiveServer, browser: Browser, other: Browser, username: str
) -> None:
    browser.sign_up(username)
    client_id = browser.register_site("Private", ["https://private.example"])
    page = f"/sites/{client_id}"
    owner = user_id(web_server, username)
    before = web_server.run(lambda store: store.site_by_client_id(client_id))
    token = other.csrf("/sites")
    assert other.get(page).status_code == 404
    assert other.get(f"{page}/preview?theme=dark").status_code == 404
    assert client_id not in other.get("/sites").text
    attempts = {
        page: {"name": "Stolen", "origins": "https://evil.example", "redirect_uris": "", "scopes": ["profile"]},
        f"{page}/widget": {"theme": "dark", "runtime": "micropython", "accent": "#000000", "side": "left",
                           "offset": "0", "lang": "", "sound": "on", "extensions": ""},
        f"{page}/owners": {"username": username + "o"},
        f"{page}/owners/{owner}/remove": {},
        f"{page}/invitation": {"answer": "accept"},
        f"{page}/delete": {},
    }
    for url, data in attempts.items():
        response = other.post(url, {"csrf_token": token, **data})
        assert response.status_code == 404, url
        assert "No such site" in response.text
    assert web_server.run(lambda store: store.site_by_client_id(client_id)) == before
    assert owners_of(web_server, client_id) == [(username, True)]
    # and without the CSRF token the owner's own posts are refused too
    assert browser.post(f"{page}/widget", {"theme": "dark"}).status_code == 403
    assert browser.post(f"{page}/owners", {"username": username + "o"}).status_code == 403
    assert owners_of(web_server, client_id) == [(username, True)]
