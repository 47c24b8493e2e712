"""/account/export and /account/delete over real HTTP: download your data, delete your account."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.oauth_harness import Browser, LiveServer, exchange, get_code, principal


def befriend_and_talk(server: LiveServer, a: str, b: str, text: str) -> int:
    """Make a and b friends and let a send b `text` in their direct conversation; returns its id."""

    async def run(store: Any) -> int:
        first = await store.get_user_by_username(a)
        second = await store.get_user_by_username(b)
        await store.request(first.id, b)
        await store.accept(second.id, first.id)
        conversation = await store.open_direct(first.id, second.id)
        await store.append_message(conversation.id, first.id, "m1", "text", text)
        return int(conversation.id)

    result: int = server.run(run)
    return result


def user_named(server: LiveServer, name: str) -> Any:
    async def run(store: Any) -> Any:
        return await store.get_user_by_username(name)

    return server.run(run)


def delete(browser: Browser, password: str, **extra: str) -> Any:
    return browser.post("/account/delete", {"csrf_token": browser.csrf("/account"), "password": password, **extra})


def test_account_page_offers_export_and_explains_deletion(browser: Browser, username: str) -> None:
    browser.sign_up(username)
    page = browser.get("/account").text
    assert 'href="/account/export"' in page and "Download your data" in page
    assert 'action="/account/delete"' in page and 'name="password"' in page
    assert "Deleted user" in page and "signs you out everywhere" in page


def test_export_is_a_private_json_attachment_with_messages_and_friends(
    web_server: LiveServer, browser: Browser, username: str
) -> None:
    browser.sign_up(username, display_name="Ada L.")
    other = Browser(web_server)
    try:
        other.sign_up(username + "f")
    finally:
        other.close()
    conversation_id = befriend_and_talk(web_server, username, username + "f", "remember the milk")

    response = browser.get("/account/export")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["content-disposition"] == f'attachment; filename="parley-{username}.json"'
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    data = response.json()
    assert data["profile"]["username"] == username and data["profile"]["display_name"] == "Ada L."
    assert [f["username"] for f in data["friends"]] == [username + "f"]
    assert [c["id"] for c in data["conversations"]] == [conversation_id]
    assert [(m["text"], m["conversation_id"]) for m in data["messages"]] == [("remember the milk", conversation_id)]
    assert "password" not in response.text and "hash" not in response.text


def test_export_needs_a_session(browser: Browser) -> None:
    response = browser.get("/account/export")
    assert response.status_code == 303 and response.headers["location"] == "/account?next=/account/export"


def test_wrong_password_keeps_the_account(browser: Browser, username: str) -> None:
    browser.sign_up(username, password="the right one 1")
    response = delete(browser, "the wrong one 1")
    assert response.status_code == 400 and "password is wrong, so your account was not deleted" in response.text
    assert "Hello" in browser.get("/account").text
    assert browser.get("/account/export").status_code == 200
    browser.post("/account/signout", {"csrf_token": browser.csrf("/account")})
    assert browser.sign_in(username, "the right one 1").status_code == 303


def test_delete_signs_out_everywhere_and_keeps_messages_as_from_a_deleted_user(
    web_server: LiveServer, browser: Browser, username: str
) -> None:
    browser.sign_up(username, password="the right one 1")
    friend = Browser(web_server)
    second_session = Browser(web_server)
    try:
        friend.sign_up(username + "f")
        conversation_id = befriend_and_talk(web_server, username, username + "f", "goodbye")
        assert second_session.sign_in(username, "the right one 1").status_code == 303
        site = browser.register_site("Widget", ["https://w.example"])
        callback = web_server.url + "/oauth/callback"
        code, verifier = get_code(browser, site, callback)
        access_token = exchange(web_server, site, callback, code, verifier).json()["access_token"]
        me = user_named(web_server, username)

        response = delete(browser, "the right one 1")
        assert response.status_code == 303 and response.headers["location"] == "/account?deleted=1"
        assert 'parley_session=""' in response.headers["set-cookie"] or "Max-Age=0" in response.headers["set-cookie"]
        landing = browser.get(response.headers["location"]).text
        assert "Your account was deleted and you are signed out." in landing and "Sign in" in landing
        assert "Hello" not in browser.get("/account").text
        assert "Hello" not in second_session.get("/account").text  # every web session ended
        assert principal(web_server, access_token) is None  # every token revoked
        assert (me.id, None) in web_server.app.state.revoked  # the relay is told to close every socket
        assert browser.sign_in(username, "the right one 1").status_code == 400
        assert f"@{username}" not in friend.get("/account/friends").text

        async def history(store: Any) -> Any:
            them = await store.get_user_by_username(username + "f")
            return await store.history(conversation_id, them.id), await store.get_user(me.id)

        page, deleted = web_server.run(history)
        assert [(m.sender_deleted, m.text) for m in page.messages] == [(True, "goodbye")]
        assert deleted.deleted and deleted.display_name == "Deleted user"
    finally:
        friend.close()
        second_session.close()


def test_delete_without_a_session_does_nothing(browser: Browser) -> None:
    response = delete(browser, "whatever password")
    assert response.status_code == 303 and response.headers["location"] == "/account"


@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_delete_needs_the_csrf_token(browser: Browser, username: str, token: str | None) -> None:
    browser.sign_up(username)
    data = {"password": "correct horse 1"}  # the right password: only the token is missing
    if token is not None:
        data["csrf_token"] = token
    response = browser.post("/account/delete", data)
    assert response.status_code == 403
    assert "Hello" in browser.get("/account").text


@pytest.mark.parametrize("path", ["/account", "/account/friends"])
def test_pages_cannot_be_framed(browser: Browser, username: str, path: str) -> None:
    browser.sign_up(username)
    response = browser.get(path)
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "script-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"


def test_account_page_title_is_plain_text_and_sections_appear_once() -> None:
    """The account template's <title> holds only its words, and each section is on the page once."""
    from pathlib import Path

    from jinja2 import Environment, FileSystemLoader

    folder = Path(__file__).resolve().parents[2] / "server" / "web" / "templates"
    env = Environment(loader=FileSystemLoader(folder), autoescape=True)
    source = (folder / "account.html").read_text()
    parsed = env.parse(source)
    blocks = {node.name: node for node in parsed.find_all(__import__("jinja2").nodes.Block)}
    title = "".join(str(getattr(n, "data", "")) for n in blocks["title"].body[0].nodes)
    assert title.strip() == "Your account"
    assert source.count('id="export-title"') == 1 and source.count('id="delete-title"') == 1
