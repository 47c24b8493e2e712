"""/account/friends over real HTTP: requests, accept, decline, withdraw, remove, block, unblock, and errors."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.support.oauth_harness import Browser, LiveServer

PAGE = "/account/friends"


@pytest.fixture
def bob(web_server: LiveServer, username: str) -> Iterator[Browser]:
    """A second signed-in visitor, @<username>b."""
    other = Browser(web_server)
    other.sign_up(username + "b", display_name="Bob B.")
    yield other
    other.close()


def request_friend(browser: Browser, name: str) -> tuple[int, str]:
    """Post "Add a friend"; returns (status, text of the page shown afterwards)."""
    response = browser.post(f"{PAGE}/request", {"csrf_token": browser.csrf(PAGE), "username": name})
    if response.status_code == 303:
        return 303, browser.get(response.headers["location"]).text
    return response.status_code, response.text


def act(browser: Browser, page: str, action: str, name: str) -> tuple[int, str]:
    """Press the `action` button next to @name on the friends page."""
    match = re.search(rf'action="/account/friends/(\d+)/{action}">\s*<input[^>]*>\s*<button[^>]*@{name}"', page)
    assert match, f"no {action} button for @{name}"
    response = browser.post(f"{PAGE}/{match.group(1)}/{action}", {"csrf_token": browser.csrf(PAGE)})
    if response.status_code == 303:
        assert response.headers["location"].startswith(PAGE + "?")
        return 303, browser.get(response.headers["location"]).text
    return response.status_code, response.text


def section(page: str, title: str) -> str:
    """The HTML of the page's section with this heading (up to the next section)."""
    start = page.index(f">{title}</h2>")
    return page[start:page.find("</section>", start)]


def test_signed_out_visitors_are_sent_to_sign_in(browser: Browser) -> None:
    response = browser.get(PAGE)
    assert response.status_code == 303 and response.headers["location"] == f"/account?next={PAGE}"


def test_linked_from_the_account_page_and_the_nav(browser: Browser, username: str) -> None:
    browser.sign_up(username)
    page = browser.get("/account").text
    assert page.count(f'href="{PAGE}"') == 2
    assert "Add a friend by username" in browser.get(PAGE).text


def test_request_accept_and_remove(browser: Browser, bob: Browser, username: str) -> None:
    browser.sign_up(username)
    status, page = request_friend(browser, f"@{username.upper()}B")  # "@" and case are forgiven
    assert status == 303 and f"Request sent to @{username}b." in page
    assert f"@{username}b" in section(page, "Requests you sent") and "Pending" in section(page, "Requests you sent")

    bobs = bob.get(PAGE).text
    assert f"@{username}" in section(bobs, "Requests to you")
    status, bobs = act(bob, bobs, "accept", username)
    assert status == 303 and f"You and @{username} are now friends." in bobs
    assert f"@{username}" in section(bobs, "Your friends")
    page = browser.get(PAGE).text
    assert f"@{username}b" in section(page, "Your friends")
    assert "No requests waiting" in section(page, "Requests you sent")

    status, page = act(browser, page, "remove", f"{username}b")
    assert status == 303 and f"@{username}b is no longer your friend." in page
    assert "no friends on Parley yet" in section(page, "Your friends")
    assert "no friends on Parley yet" in section(bob.get(PAGE).text, "Your friends")


def test_decline_and_withdraw(browser: Browser, bob: Browser, username: str) -> None:
    browser.sign_up(username)
    request_friend(browser, f"{username}b")
    status, bobs = act(bob, bob.get(PAGE).text, "decline", username)
    assert status == 303 and f"You declined the request from @{username}." in bobs
    assert "No one is waiting" in section(bobs, "Requests to you")
    assert "No requests waiting" in section(browser.get(PAGE).text, "Requests you sent")

    _, page = request_friend(browser, f"{username}b")
    status, page = act(browser, page, "withdraw", f"{username}b")
    assert status == 303 and f"You withdrew your request to @{username}b." in page
    assert "No one is waiting" in section(bob.get(PAGE).text, "Requests to you")


def test_asking_someone_who_asked_you_makes_you_friends(browser: Browser, bob: Browser, username: str) -> None:
    browser.sign_up(username)
    request_friend(browser, f"{username}b")
    status, bobs = request_friend(bob, username)
    assert status == 303 and f"You and @{username} are now friends." in bobs


def test_block_ends_the_friendship_and_stops_requests(browser: Browser, bob: Browser, username: str) -> None:
    browser.sign_up(username)
    request_friend(browser, f"{username}b")
    act(bob, bob.get(PAGE).text, "accept", username)

    status, page = act(browser, browser.get(PAGE).text, "block", f"{username}b")
    assert status == 303 and f"You blocked @{username}b" in page
    assert f"@{username}b" in section(page, "Blocked") and f"@{username}b" not in section(page, "Your friends")
    assert f"@{username}" not in section(bob.get(PAGE).text, "Your friends")

    status, bobs = request_friend(bob, username)  # the blocked user cannot ask again
    assert status == 403 and "This person does not take friend requests from you." in bobs
    assert "No one is waiting" in section(browser.get(PAGE).text, "Requests to you")
    status, _ = request_friend(browser, f"{username}b")  # nor can the one who blocked, until unblocking
    assert status == 403

    status, page = act(browser, page, "unblock", f"{username}b")
    assert status == 303 and f"You unblocked @{username}b." in page
    assert "not blocked anyone" in section(page, "Blocked")
    status, bobs = request_friend(bob, username)
    assert status == 303 and f"Request sent to @{username}." in bobs


@pytest.mark.parametrize(("name", "status", "message"), [
    ("nobody-here-zz", 404, "There is no Parley user called @nobody-here-zz."),
    ("no spaces!", 404, "There is no Parley user called @no spaces!."),
    ("", 404, "Type a username."),
    ("SELF", 422, "You cannot befriend yourself."),
])
def test_bad_requests_are_explained(browser: Browser, username: str, name: str, status: int, message: str) -> None:
    browser.sign_up(username)
    got, page = request_friend(browser, username if name == "SELF" else name)
    assert got == status and message in page and 'class="error"' in page


def test_already_friends_is_a_conflict_not_a_500(browser: Browser, bob: Browser, username: str) -> None:
    browser.sign_up(username)
    request_friend(browser, f"{username}b")
    act(bob, bob.get(PAGE).text, "accept", username)
    status, page = request_friend(browser, f"{username}b")
    assert status == 409 and "You are already friends." in page


@pytest.mark.parametrize("path", ["999999999/accept", "999999999/decline", "999999999/remove",
                                  "999999999/unblock", "999999999/block", "abc/block", "-1/block",
                                  "99999999999999999999999/block", "1/explode"])
def test_changes_to_nobody_are_refused_with_a_page(browser: Browser, username: str, path: str) -> None:
    browser.sign_up(username)
    response = browser.post(f"{PAGE}/{path}", {"csrf_token": browser.csrf(PAGE)})
    assert response.status_code == 404
    assert 'class="error"' in response.text and "Friends" in response.text


def test_a_stale_accept_is_refused(browser: Browser, bob: Browser, username: str) -> None:
    browser.sign_up(username)
    request_friend(browser, f"{username}b")
    stale = bob.get(PAGE).text
    request_friend(browser, f"{username}b")
    act(browser, browser.get(PAGE).text, "withdraw", f"{username}b")
    status, page = act(bob, stale, "accept", username)
    assert status == 404 and "No such friend request." in page


@pytest.mark.parametrize("path", ["/request", "/1/accept", "/1/decline", "/1/remove", "/1/withdraw",
                                  "/1/block", "/1/unblock"])
@pytest.mark.parametrize("token", [None, "", "wrong"])
def test_friend_forms_need_the_csrf_token(browser: Browser, bob: Browser, username: str, path: str,
                                          token: str | None) -> None:
    browser.sign_up(username)
    request_friend(browser, f"{username}b")
    bobs = bob.get(PAGE).text
    alice_id = re.search(r'action="/account/friends/(\d+)/accept"', bobs).group(1)  # type: ignore[union-attr]
    data = {"username": username} if path == "/request" else {}
    if token is not None:
        data["csrf_token"] = token
    response = bob.post(PAGE + path.replace("/1/", f"/{alice_id}/"), data)
    assert response.status_code == 403 and "This form has expired" in response.text
    assert bob.get(PAGE).text.replace(bob.csrf(PAGE), "") == bobs.replace(bob.csrf(PAGE), "")  # nothing changed


def test_friend_requests_are_rate_limited(browser: Browser, username: str) -> None:
    browser.sign_up(username)
    for n in range(30):
        assert request_friend(browser, f"nobody{n}{username}")[0] == 404
    status, page = request_friend(browser, f"nobody-else{username}")
    assert status == 429 and "Try again in" in page


def test_names_are_escaped(web_server: LiveServer, browser: Browser, username: str) -> None:
    other = Browser(web_server)
    try:
        other.sign_up(username + "x", display_name="<b>Mallory</b>")
        browser.sign_up(username)
        _, page = request_friend(browser, f"{username}x")
        assert "&lt;b&gt;Mallory&lt;/b&gt;" in page and "<b>Mallory" not in page
        forged = browser.get(f"{PAGE}?done=sent&who=<script>").text
        assert "Request sent" not in forged and "<script>" not in forged
    finally:
        other.close()
