"""No route that checks a signed-in user's password is a password oracle: wrong passwords at account
deletion (form and API) and password change count toward the sign-in limit for that username and IP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.oauth_harness import Browser, LiveServer

RIGHT = "the right one 1"


def api_delete(browser: Browser, password: str) -> httpx.Response:
    csrf = browser.csrf("/account")  # the session's token, which the API wants in X-CSRF-Token
    return browser.http.request("DELETE", "/api/v1/me", json={"password": password}, headers={"X-CSRF-Token": csrf})


def change_password(browser: Browser, current: str, new: str = "a new password 1") -> httpx.Response:
    return browser.post("/account/password", {
        "csrf_token": browser.csrf("/account"), "current_password": current, "new_password": new,
    })


def password_works(server: LiveServer, username: str, password: str) -> bool:
    async def run(store: Any) -> bool:
        return await store.authenticate(username, password) is not None

    result: bool = server.run(run)
    return result


def test_api_deletion_counts_wrong_passwords_and_answers_429(
    web_server: LiveServer, browser: Browser, username: str
) -> None:
    browser.sign_up(username, password=RIGHT)
    for _ in range(5):
        wrong = api_delete(browser, "the wrong one 1")
        assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "wrong_password"
    limited = api_delete(browser, RIGHT)  # even the right password waits now
    assert limited.status_code == 429, limited.text
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 300
    assert "Hello" in browser.get("/account").text  # the account is still there
    other = Browser(web_server)
    try:  # the same limit as sign-in
        assert other.sign_in(username, RIGHT).status_code == 429
    finally:
        other.close()


def test_form_and_api_deletion_share_one_limit(browser: Browser, username: str) -> None:
    browser.sign_up(username, password=RIGHT)
    for _ in range(3):
        form = browser.post("/account/delete", {"csrf_token": browser.csrf("/account"), "password": "wrong 1"})
        assert form.status_code == 400
    for _ in range(2):
        assert api_delete(browser, "wrong 2").status_code == 403
    assert api_delete(browser, RIGHT).status_code == 429
    form = browser.post("/account/delete", {"csrf_token": browser.csrf("/account"), "password": RIGHT})
    assert form.status_code == 429 and "Too many wrong passwords" in form.text


def test_password_change_counts_wrong_current_passwords(
    web_server: LiveServer, browser: Browser, username: str
) -> None:
    browser.sign_up(username, password=RIGHT)
    for _ in range(5):
        wrong = change_password(browser, "not the password")
        assert wrong.status_code == 400 and "current password is wrong" in wrong.text
    limited = change_password(browser, RIGHT)  # even the right password waits now
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 300
    assert "Too many wrong passwords" in limited.text
    assert password_works(web_server, username, RIGHT)  # not changed
    assert not password_works(web_server, username, "a new password 1")
    other = Browser(web_server)
    try:  # the same limit as sign-in
        assert other.sign_in(username, RIGHT).status_code == 429
    finally:
        other.close()


def test_an_invalid_new_password_is_not_a_wrong_password(browser: Browser, username: str) -> None:
    browser.sign_up(username, password=RIGHT)
    for _ in range(6):
        assert change_password(browser, RIGHT, new="short").status_code == 400
    assert change_password(browser, RIGHT).status_code == 303
