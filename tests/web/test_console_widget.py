"""The console's widget settings (POST /sites/{id}/widget), the extension check on save against a real HTTP
server on loopback, and the live preview page (GET /sites/{id}/preview)."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.oauth_harness import Browser, LiveServer

MODULES = {  # path -> (status, CORS header or None, body)
    "/good.py": (200, "*", "def setup(session):\n    session.on('ready', print)\n"),
    "/nocors.py": (200, None, "x = 1\n"),
    "/bad.py": (200, "*", "def broken(:\n"),
    "/missing.py": (404, "*", "not here"),
}


class ModuleHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, cors, body = MODULES.get(self.path, (404, None, ""))
        self.send_response(status)
        self.send_header("Content-Type", "text/x-python")
        if cors:
            self.send_header("Access-Control-Allow-Origin", cors)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def module_host() -> Iterator[str]:
    """A site's origin on loopback serving extension modules (good, without CORS, not Python, missing)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ModuleHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def widget_form(browser: Browser, client_id: str, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "csrf_token": browser.csrf(f"/sites/{client_id}"), "theme": "dark", "runtime": "micropython",
        "accent": "#e8590c", "side": "left", "offset": "24", "lang": "fr", "sound": "on",
        "features": ["sharing"], "extensions": "",
    }
    values.update(changes)
    return values


def saved(web_server: LiveServer, client_id: str) -> dict[str, object]:
    async def read(store: object) -> dict[str, object]:
        site = await store.site_by_client_id(client_id)  # type: ignore[attr-defined]
        return dict(site.settings)

    return web_server.run(read)


def field_error(page: str, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="w-{name}-error">(.*?)</p>', page, re.S)
    assert match, f"no error next to {name}"
    return html.unescape(match.group(1))


def test_saving_widget_settings(web_server: LiveServer, browser: Browser, username: str) -> None:
    browser.sign_up(username)
    client_id = browser.register_site("Shop", ["https://shop.example"])
    response = browser.post(f"/sites/{client_id}/widget", widget_form(browser, client_id))
    assert response.status_code == 303 and response.headers["location"].startswith(f"/sites/{client_id}?widget=1")
    settings = saved(web_server, client_id)
    assert {k: settings[k] for k in ("theme", "accent", "side", "offset", "lang", "sound", "features")} == {
        "theme": "dark", "accent": "#e8590c", "side": "left", "offset": 24, "lang": "fr", "sound": "on",
        "features": {"sharing": True, "groups": False}}
    page = browser.get(f"/sites/{client_id}").text
    assert 'value="#e8590c"' in page and '<option value="left" selected>' in page
    assert '<option value="fr" lang="fr" selected>' in page
    assert re.search(r'value="sharing"\s+checked>', page) and re.search(r'value="groups"\s*>', page)  # unticked
    # the snippet stays one line: the settings live on the server
    assert f"data-site=&#34;{client_id}&#34; async&gt;&lt;/script&gt;" in page
    # the edit form (name, origins) keeps the widget's theme and runtime
    edit = browser.post(f"/sites/{client_id}", {
        "csrf_token": browser.csrf(f"/sites/{client_id}"), "name": "Shop 2", "origins": "https://shop.example",
        "redirect_uris": "", "scopes": ["profile"]})
    assert edit.status_code == 303 and saved(web_server, client_id)["theme"] == "dark"


def test_bad_settings_show_errors_next_to_fields_and_change_nothing(
    web_server: LiveServer, browser: Browser, username: str
) -> None:
    browser.sign_up(username)
    client_id = browser.register_site("Shop", ["https://shop.example"])
    before = saved(web_server, client_id)
    response = browser.post(f"/sites/{client_id}/widget", widget_form(
        browser, client_id, accent="orange", offset="500", theme="neon",
        extensions="https://elsewhere.example/x.py"))
    assert response.status_code == 400
    assert "six hex digits" in field_error(response.text, "accent")
    assert "from 0 to 200" in field_error(response.text, "offset")
    assert "light, dark, auto" in field_error(response.text, "theme")
    assert "one of the site's origins" in field_error(response.text, "extensions")
    assert 'id="w-accent"' in response.text and 'value="orange"' in response.text  # what was typed is kept
    assert 'aria-invalid="true" aria-describedby="w-accent-error' in response.text
    assert saved(web_server, client_id) == before


def test_extension_modules_are_fetched_and_checked_on_save(
    web_server: LiveServer, browser: Browser, username: str, module_host: str
) -> None:
    browser.sign_up(username)
    client_id = browser.register_site("Shop", [module_host])
    before = saved(web_server, client_id)
    listed = "\n".join(f"{module_host}{path}" for path in ("/good.py", "/nocors.py", "/bad.py", "/missing.py"))
    response = browser.post(f"/sites/{client_id}/widget", widget_form(browser, client_id, extensions=listed))
    assert response.status_code == 400
    errors = field_error(response.text, "extensions")
    assert f"{module_host}/nocors.py: it is not served with CORS" in errors
    assert f"{module_host}/bad.py: it is not valid Python: invalid syntax on line 1" in errors
    assert f"{module_host}/missing.py: it answered HTTP 404" in errors
    assert f"{module_host}/good.py" not in errors
    assert saved(web_server, client_id) == before

    good = f"{module_host}/good.py"
    ok = browser.post(f"/sites/{client_id}/widget", widget_form(browser, client_id, extensions=good))
    assert ok.status_code == 303
    assert saved(web_server, client_id)["extensions"] == [f"{module_host}/good.py"]


def test_preview_page_embeds_the_real_snippet_with_the_draft(
    web_server: LiveServer, browser: Browser, username: str
) -> None:
    browser.sign_up(username)
    client_id = browser.register_site("Shop", ["https://shop.example"])
    response = browser.get(f"/sites/{client_id}/preview?theme=dark&accent=%23E8590C&side=left&offset=12&lang=fr"
                           "&sound=on&runtime=pyodide&features=sharing&ext=https://shop.example/x.py")
    assert response.status_code == 200
    tag = re.search(r'<script src="[^"]*/embed.js"[^>]*>', response.text)
    assert tag is not None
    assert tag.group(0) == (
        f'<script src="{web_server.url}/embed.js" data-site="{client_id}" data-theme="dark" data-runtime="pyodide" '
        'data-side="left" data-sound="on" data-lang="fr" data-accent="#e8590c" data-offset="12" '
        'data-preview="features=sharing&amp;ext=https%3A%2F%2Fshop.example%2Fx.py">')
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'self'" in csp and f"script-src {web_server.url}" in csp
    assert f"frame-src {web_server.url}" in csp
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    bad = browser.get(f"/sites/{client_id}/preview?accent=javascript:x&side=top&offset=-1&theme=<b>")
    assert "data-accent" not in bad.text and "data-side" not in bad.text and "data-offset" not in bad.text
    assert "data-theme" not in bad.text
    # the site page frames the preview and may run only Parley's own scripts
    page = browser.get(f"/sites/{client_id}")
    assert f'src="/sites/{client_id}/preview?theme=auto&amp;runtime=micropython' in page.text
    page_csp = page.headers["content-security-policy"]
    assert f"script-src {web_server.url}" in page_csp and f"frame-src {web_server.url}" in page_csp
    assert "frame-ancestors 'none'" in page_csp and "unsafe-inline" not in page_csp
    assert browser.get("/web/console.js").status_code == 200 and browser.get("/web/preview.js").status_code == 200
    assert browser.get("/web/nothing.js").status_code == 404
