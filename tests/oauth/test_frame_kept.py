"""/frame/session/kept over real HTTP: what the copy-paste frame keeps for the next page of a visit when its
own storage is refused, behind the frame sign-in's partitioned cookie (docs/security.md, "What the widget
keeps")."""

from __future__ import annotations

import httpx

from tests.oauth.test_frame_session import frame_post, kept_cookie, sign_in
from tests.oauth.test_frame_session import visitor as visitor  # the fixture: a visitor with a friend
from tests.support.oauth_harness import Browser, LiveServer

SCOPES = ("profile", "friends", "messages")
PLACE = '{"v":1,"user":1,"open":true,"screen":"chat","conv":3,"drafts":{"3":"half a thought"}}'
OUTBOX = '{"v":1,"user":1,"entries":[{"cid":"c1","text":"sent as the page left"}]}'


def refresh_kept(server: LiveServer, client_id: str, cookie: str) -> tuple[dict[str, str], str]:
    """What the next page's refresh brings back, and the rotated cookie."""
    answer = frame_post(server, "/refresh", {"client_id": client_id, "include": "kept"}, cookie)
    assert answer.status_code == 200, answer.text
    return answer.json()["kept"], kept_cookie(answer)


def test_kept_texts_come_back_with_the_next_pages_refresh(server: LiveServer, browser: Browser, visitor: str) -> None:
    client_id, first = sign_in(server, browser, SCOPES, "")
    kept, cookie = refresh_kept(server, client_id, kept_cookie(first))
    assert kept == {}  # nothing kept yet; the refresh rotated the cookie: the frame keeps with the newest one
    keep = frame_post(server, "/kept", {"client_id": client_id, "place": PLACE, "outbox": OUTBOX}, cookie)
    assert keep.status_code == 204, keep.text
    kept, cookie = refresh_kept(server, client_id, cookie)
    assert kept == {"place": PLACE, "outbox": OUTBOX}
    # one text replaced, an empty one forgotten
    assert frame_post(server, "/kept", {"client_id": client_id, "outbox": ""}, cookie).status_code == 204
    kept, cookie = refresh_kept(server, client_id, cookie)
    assert kept == {"place": PLACE}


def test_signing_out_forgets_what_was_kept(server: LiveServer, browser: Browser, visitor: str) -> None:
    client_id, first = sign_in(server, browser, SCOPES, "")
    cookie = kept_cookie(first)
    assert frame_post(server, "/kept", {"client_id": client_id, "place": PLACE}, cookie).status_code == 204
    assert frame_post(server, "/end", {"client_id": client_id}, cookie).status_code == 204
    after = frame_post(server, "/kept", {"client_id": client_id, "place": PLACE}, cookie)
    assert after.status_code == 401
    # a new sign-in of the same visitor starts from nothing
    client_id2, again = sign_in(server, browser, SCOPES, "")
    assert refresh_kept(server, client_id2, kept_cookie(again))[0] == {}


def test_only_the_frame_with_its_cookie_may_keep(server: LiveServer, browser: Browser, visitor: str) -> None:
    client_id, first = sign_in(server, browser, SCOPES, "")
    cookie = kept_cookie(first)
    assert frame_post(server, "/kept", {"client_id": client_id, "place": PLACE}).status_code == 401  # no cookie
    forged = httpx.post(server.url + "/frame/session/kept", json={"client_id": client_id, "place": PLACE},
                        headers={"Origin": "https://host.example", "X-Parley-Frame": "1", "Cookie": cookie})
    assert forged.status_code == 403  # a host page cannot drive it
    other_site, _ = sign_in(server, browser, SCOPES, "")
    cross = frame_post(server, "/kept", {"client_id": other_site, "place": PLACE},
                       cookie.replace(client_id, other_site, 1))
    assert cross.status_code == 401  # one site's sign-in keeps nothing for another
    assert refresh_kept(server, client_id, cookie)[0] == {}


def test_bad_bodies_are_refused_clearly(server: LiveServer, browser: Browser, visitor: str) -> None:
    client_id, first = sign_in(server, browser, SCOPES, "")
    cookie = kept_cookie(first)
    for body, status in (
        ({"client_id": client_id}, 400),
        ({"client_id": client_id, "place": 3}, 400),
        ({"place": PLACE}, 400),
        ({"client_id": client_id, "place": "x" * ((1 << 20) + 1)}, 413),
    ):
        answer = frame_post(server, "/kept", body, cookie)  # type: ignore[arg-type]
        assert answer.status_code == status, (body.keys(), answer.text)
        assert answer.json()["error"]["code"]
    huge = httpx.post(server.url + "/frame/session/kept", content=b"{" + b" " * (4 << 20) + b"}",
                      headers={"X-Parley-Frame": "1", "Origin": server.url, "Cookie": cookie,
                               "Content-Type": "application/json"})
    assert huge.status_code == 413
    assert refresh_kept(server, client_id, cookie)[0] == {}
