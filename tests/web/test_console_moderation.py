"""The console's moderation page: open reports, ban (the relay is told at once), dismiss, lift, the log; every
route refuses another owner's site with the same 404 as an unknown one (no IDOR) and every form needs CSRF."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.oauth_harness import Browser, LiveServer


@pytest.fixture
def other(web_server: LiveServer, username: str) -> Iterator[Browser]:
    client = Browser(web_server)
    client.sign_up(username + "x", display_name="Other Owner")
    yield client
    client.close()


def call(web_server: LiveServer, method: str, *args: Any, **kwargs: Any) -> Any:
    async def run(store: Any) -> Any:
        return await getattr(store, method)(*args, **kwargs)

    return web_server.run(run)


def site_id(web_server: LiveServer, client_id: str) -> int:
    return int(call(web_server, "site_by_client_id", client_id).id)


@pytest.fixture
def reported(web_server: LiveServer, browser: Browser, username: str) -> dict[str, Any]:
    """The owner's site with one open report: a visitor reported another person."""
    browser.sign_up(username)
    client_id = browser.register_site("Moderated", ["https://moderated.example"])
    sid = site_id(web_server, client_id)
    reporter = call(web_server, "create_user", username + "r", "Reporter", "password-123")
    target = call(web_server, "create_user", username + "t", "Target", "password-123")
    report = call(web_server, "create_report", sid, reporter.id, "abuse", reported_id=target.id)
    return {"client_id": client_id, "site": sid, "target": target, "report": report}


def test_owner_sees_a_report_and_bans_then_lifts(web_server: LiveServer, browser: Browser, username: str,
                                                 reported: dict[str, Any]) -> None:
    page = f"/sites/{reported['client_id']}/moderation"
    shown = browser.get(page)
    assert shown.status_code == 200
    assert f"@{username}r</strong> reported <strong>@{username}t" in shown.text
    assert "Ban from this site" in shown.text
    banned = browser.post(f"{page}/reports/{reported['report'].id}/ban", {"csrf_token": browser.csrf(page)})
    assert banned.status_code == 303
    target = reported["target"]
    assert call(web_server, "is_banned", reported["site"], target.id)
    assert (target.id, reported["site"]) in web_server.app.state.banned
    after = browser.get(page).text
    assert "No open reports." in after and "Lift ban" in after
    assert f"<td>@{username}</td><td>ban</td><td>@{username}t</td>" in after
    lifted = browser.post(f"{page}/bans/{target.id}/lift", {"csrf_token": browser.csrf(page)})
    assert lifted.status_code == 303
    assert not call(web_server, "is_banned", reported["site"], target.id)
    again = browser.post(f"{page}/bans/{target.id}/lift", {"csrf_token": browser.csrf(page)})
    assert again.status_code == 404 and "not banned here" in again.text


def test_dismiss_closes_the_report_without_a_ban(web_server: LiveServer, browser: Browser,
                                                 reported: dict[str, Any]) -> None:
    page = f"/sites/{reported['client_id']}/moderation"
    done = browser.post(f"{page}/reports/{reported['report'].id}/dismiss", {"csrf_token": browser.csrf(page)})
    assert done.status_code == 303
    assert call(web_server, "open_reports", reported["site"]) == []
    assert not call(web_server, "is_banned", reported["site"], reported["target"].id)
    twice = browser.post(f"{page}/reports/{reported['report'].id}/dismiss", {"csrf_token": browser.csrf(page)})
    assert twice.status_code == 404


def test_another_owner_cannot_see_or_act_on_the_reports(web_server: LiveServer, other: Browser,
                                                        reported: dict[str, Any]) -> None:
    """IDOR on every route: another signed-in owner gets 404 on this site's page and forms, and their own site
    cannot reach this site's report by its id."""
    page = f"/sites/{reported['client_id']}/moderation"
    own = other.register_site("Theirs", ["https://theirs.example"])
    own_page = f"/sites/{own}/moderation"
    csrf = other.csrf(own_page)
    report, target = reported["report"], reported["target"]
    assert other.get(page).status_code == 404
    for path in (f"{page}/reports/{report.id}/ban", f"{page}/reports/{report.id}/dismiss",
                 f"{page}/bans/{target.id}/lift", f"{own_page}/reports/{report.id}/ban",
                 f"{own_page}/reports/{report.id}/dismiss"):
        assert other.post(path, {"csrf_token": csrf}).status_code == 404, path
    call(web_server, "ban_from_site", reported["site"], target.id, report.reporter.id)
    assert other.post(f"{page}/bans/{target.id}/lift", {"csrf_token": csrf}).status_code == 404
    assert call(web_server, "is_banned", reported["site"], target.id)
    assert [r.id for r in call(web_server, "open_reports", reported["site"])] == []  # closed by the ban only
    assert "No open reports." in other.get(own_page).text


def test_forms_without_csrf_change_nothing(web_server: LiveServer, browser: Browser, reported: dict[str, Any]) -> None:
    page = f"/sites/{reported['client_id']}/moderation"
    for path in (f"{page}/reports/{reported['report'].id}/ban", f"{page}/reports/{reported['report'].id}/dismiss"):
        assert browser.post(path, {}).status_code == 403
        assert browser.post(path, {"csrf_token": "forged"}).status_code == 403
    assert [r.id for r in call(web_server, "open_reports", reported["site"])] == [reported["report"].id]
    assert not call(web_server, "is_banned", reported["site"], reported["target"].id)


def test_signed_out_visitors_are_sent_to_sign_in(web_server: LiveServer, reported: dict[str, Any]) -> None:
    stranger = Browser(web_server)
    try:
        response = stranger.get(f"/sites/{reported['client_id']}/moderation")
        assert response.status_code == 303 and "/account?next=" in response.headers["location"]
    finally:
        stranger.close()
