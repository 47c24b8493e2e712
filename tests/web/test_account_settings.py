"""/account/settings over real HTTP: the visitor's choices on Parley's own pages (CSRF, validation)."""

from __future__ import annotations

from tests.support.oauth_harness import Browser


def test_choices_are_saved_and_bad_ones_refused(browser: Browser, username: str) -> None:
    browser.sign_up(username)
    page = browser.get("/account/settings")
    assert page.status_code == 200 and '<option value="online" selected>' in page.text
    forged = browser.post("/account/settings", {"csrf_token": "forged", "status": "hidden", "sound": "off"})
    assert forged.status_code == 403
    token = browser.csrf("/account/settings")
    bad = browser.post("/account/settings", {"csrf_token": token, "status": "invisible", "sound": "off"})
    assert bad.status_code == 400 and "Status must be one of" in bad.text
    assert '<option value="site" selected>' in bad.text  # nothing was changed
    saved = browser.post("/account/settings", {"csrf_token": token, "status": "hidden", "sound": "off"})
    assert saved.status_code == 303 and saved.headers["location"] == "/account/settings?saved=1"
    again = browser.get("/account/settings?saved=1")
    assert "Your choices are saved." in again.text
    assert '<option value="hidden" selected>Appear offline' in again.text
    assert '<option value="off" selected>' in again.text
