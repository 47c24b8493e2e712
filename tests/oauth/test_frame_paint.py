"""The paint key (server/widget/paint.py): the cookie that lets the copy-paste frame page paint the panel as the
visitor left it, set with the frame sign-in and cleared with it; it names one sign-in and cannot be forged."""

from __future__ import annotations

import httpx

from server.widget.paint import PATH, PaintKeys, cookie_name
from tests.oauth.test_frame_session import frame_post, kept_cookie, sign_in
from tests.oauth.test_frame_session import visitor as visitor  # the fixture: a visitor with a friend
from tests.support.oauth_harness import Browser, LiveServer

SCOPES = ("profile", "friends", "messages")


def paint_cookie(response: httpx.Response, client_id: str) -> str:
    """The paint key's Set-Cookie line of an answer, checked to carry the sign-in cookie's protections."""
    lines = [line for line in response.headers.get_list("set-cookie") if line.startswith(cookie_name(client_id))]
    assert len(lines) == 1, response.headers.get_list("set-cookie")
    line = lines[0]
    for part in (f"Path={PATH};", "Secure", "HttpOnly", "SameSite=None", "Partitioned"):
        assert part in line, line
    return line


def test_a_paint_key_names_one_sign_in_and_needs_the_servers_key() -> None:
    keys = PaintKeys("one secret")
    key = keys.key("family-1")
    assert keys.family(key) == "family-1"
    assert PaintKeys("another secret").family(key) is None
    assert keys.family(key.replace("family-1", "family-2", 1)) is None  # another sign-in's: the MAC is wrong
    for forged in ("", ".", "family-1", "family-1.", ".abc", key + "x", "é." + key.split(".")[1]):
        assert keys.family(forged) is None, forged


def test_the_sign_in_sets_the_paint_key_and_the_sign_out_clears_it(
        server: LiveServer, browser: Browser, visitor: str) -> None:
    client_id, first = sign_in(server, browser, SCOPES, "")
    line = paint_cookie(first, client_id)
    value = line.split(";")[0].split("=", 1)[1]
    assert value and "Max-Age=0" not in line
    cookie = kept_cookie(first)
    again = frame_post(server, "/refresh", {"client_id": client_id, "include": "kept"}, cookie)
    assert again.status_code == 200, again.text
    assert paint_cookie(again, client_id).split(";")[0].split("=", 1)[1] == value  # one per sign-in, not per token
    ended = frame_post(server, "/end", {"client_id": client_id}, kept_cookie(again))
    assert ended.status_code == 204
    assert "Max-Age=0" in paint_cookie(ended, client_id)
