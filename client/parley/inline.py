"""Inline mode: the widget mounted in a shadow root of the developer's own page (site origin), or headless.

The page is the OAuth client itself: the sign-in popup goes to Parley's /oauth/authorize with redirect_uri =
Parley's /oauth/callback, which posts the code back to the site's registered origin; the page exchanges it at
/oauth/token (CORS for registered origins). Tokens stay in memory (persist="memory", the default: a reload
asks the visitor to sign in again, and no script of the page can read a stored token later), or in
sessionStorage (persist="session": survives reloads in this tab; readable by any script on the page).
"""

import asyncio
import json

from pyscript import document, window

from parley import errors as E
from parley import urls
from parley.auth import LIST_SCOPES, FrameAuth
from parley.client import Client
from parley.errors import ParleyError
from parley.http import fetch_text, request, transient
from parley.session import Session, set_current

STORAGE_KEY = "parley.refresh."


def _config():
    """The `parley` section of the PyScript config (/inline/config.json puts server, client_id, css in it)."""
    try:
        from pyscript import config

        section = config.get("parley") if isinstance(config, dict) else None
        return section if isinstance(section, dict) else {}
    except Exception:
        return {}


def _form(params):
    return "&".join(k + "=" + str(window.encodeURIComponent(str(v))) for k, v in params.items())


class InlineAuth(FrameAuth):
    """OAuth as a public client in the page itself: code + PKCE popup, tokens from /oauth/token."""

    def __init__(self, public_url, client_id, scope, persist="memory"):
        super().__init__(public_url, client_id, scope)
        self.message_origin = urls.origin(public_url)  # the callback page is on Parley's origin
        self.persist = persist
        self.refresh_token = None
        if persist == "session":
            stored = window.sessionStorage.getItem(STORAGE_KEY + client_id)
            self.refresh_token = str(stored) if stored else None

    def _keep(self, refresh_token):
        self.refresh_token = refresh_token
        if self.persist == "session":
            if refresh_token:
                window.sessionStorage.setItem(STORAGE_KEY + self.client_id, refresh_token)
            else:
                window.sessionStorage.removeItem(STORAGE_KEY + self.client_id)

    async def _post(self, path, params):
        status, text = await fetch_text(self.public_url + path, method="POST", body=_form(params),
                                        headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            data = json.loads(text) if text else {}
        except ValueError:  # not JSON (a proxy's error page)
            data = None
        if not isinstance(data, dict):
            if 200 <= status < 300:
                raise ParleyError("bad_response", "the server's answer is not a JSON object", status)
            data = {}
        if not (200 <= status < 300):
            raise ParleyError(str(data.get("error") or "http_" + str(status)),
                              str(data.get("error_description") or ""), status)
        return data

    async def _tokens(self, params, include=""):
        """Tokens from /oauth/token, then the user and the lists asked for in `include` that the granted scope
        allows, fetched together (what /frame/session answers in one go for the copy-paste frame)."""
        data = await self._post("/oauth/token", params)
        self._keep(data.get("refresh_token"))
        granted = str(data.get("scope") or "").split()
        wanted = [name for name, scope in LIST_SCOPES if name in include.split() and scope in granted]
        answers = await asyncio.gather(*[request("GET", self.public_url + "/api/v1/" + path,
                                                 token=data["access_token"]) for path in ["me"] + wanted])
        me = answers[0]
        data["user"] = {"id": me["id"], "username": me["username"], "name": me.get("display_name") or me["username"]}
        for index, name in enumerate(wanted):
            data[name] = answers[index + 1][name]
        return data

    async def _session(self, path, body):
        """FrameAuth's three cookie-session calls, done with the tokens in this page instead."""
        if path == "":  # exchange the code from the popup
            return await self._tokens({"grant_type": "authorization_code", "code": body["code"],
                                       "redirect_uri": body["redirect_uri"], "client_id": self.client_id,
                                       "code_verifier": body["code_verifier"]}, body.get("include", ""))
        if path == "/refresh":
            if not self.refresh_token:
                return None
            try:
                return await self._tokens({"grant_type": "refresh_token", "refresh_token": self.refresh_token,
                                           "client_id": self.client_id}, body.get("include", ""))
            except ParleyError as error:
                if not transient(error):  # refused: forget it; offline: keep it for the next try
                    self._keep(None)
                raise
        if path == "/end" and self.refresh_token:
            token = self.refresh_token
            self._keep(None)
            await self._post("/oauth/revoke", {"token": token, "client_id": self.client_id})
        return None


def _settings(server, client_id):
    config = _config()
    server = str(server or config.get("server") or "").rstrip("/")
    client_id = str(client_id or config.get("client_id") or "")
    if not server or not client_id:
        raise E.ParleyError("config", "give server= and client_id= (or load /inline/config.json?site=CLIENT_ID "
                                      "as the PyScript config)")
    return server, client_id, config


def _client(server, client_id, scope, persist, config):
    client = Client(server, client_id, scope or config.get("scopes") or None, config.get("ws_url"))
    client.auth = InlineAuth(client.server, client_id, client.auth.scope, persist)
    return client


def _target(target):
    if target is None:
        return document.body
    if isinstance(target, str):
        node = document.querySelector(target)
        if not node:
            raise E.ParleyError("no_target", "no element matches " + repr(target))
        return node
    return target


def _languages():
    languages = window.navigator.languages
    return [str(languages[i]) for i in range(int(languages.length))] if languages else []


async def mount(target=None, server=None, client_id=None, scope=None, theme="auto", lang=None,
                persist="memory", hidden=False):
    """parley.mount(): the widget in a shadow root inside `target`; returns the (current) session."""
    from parley.i18n import pick_language
    from parley.ui.dom import el
    from parley.widget import Widget

    server, client_id, config = _settings(server, client_id)
    host = document.createElement("parley-inline")
    host.setAttribute("style", "display:block;height:100%;min-height:420px")
    _target(target).appendChild(host)
    shadow = host.attachShadow(window.JSON.parse('{"mode": "open"}'))
    css = config.get("css") or (server + "/widget.css")
    shadow.appendChild(el("link", {"rel": "stylesheet", "href": css}))
    root = el("div", {"class_": "parley", "id": "parley-root", "data-theme": theme, "data-mode": "inline",
                      "aria-label": "Parley"})
    shadow.appendChild(root)
    lang = pick_language(lang or config.get("lang"), _languages())

    def show():
        host.hidden = False

    def hide():
        host.hidden = True

    client = _client(server, client_id, scope, persist, config)
    session = None

    def on_close():
        if session is not None:
            session.close()

    widget = Widget(client, root, str(config.get("name") or ""), lang, on_close=on_close)
    session = set_current(Session(client, widget, show, hide, root, "inline"))
    if hidden:
        hide()
    widget.set_page(str(window.location.href), str(document.title))
    await widget.start()
    root.setAttribute("data-state", "ready")
    return session


async def init(server=None, client_id=None, scope=None, persist="memory"):
    """parley.init(): a session with no UI."""
    server, client_id, config = _settings(server, client_id)
    client = _client(server, client_id, scope, persist, config)
    session = set_current(Session(client, None, mode="headless"))
    client.set_page(str(window.location.href), str(document.title))
    await client.start()
    return session
