"""Sign-in for a developer's own page (parley.mount(), parley.init()): the page is the OAuth client itself.

The sign-in popup goes to Parley's /oauth/authorize with redirect_uri = Parley's /oauth/callback, which posts
the code back to the site's registered origin; the page exchanges it at /oauth/token (CORS for registered
origins). Tokens stay in memory (persist="memory", the default: a reload asks the visitor to sign in again, and
no script of the page can read a stored token later), or in sessionStorage (persist="session": survives reloads
in this tab; readable by any script on the page). With "session", the page also keeps its current access
token (which the refresh token can mint anyway) and its expiry, so the next page of the visit signs in with one
round trip (the user and the lists, fetched together) instead of two, while that token has a minute left.
Both tokens are DPoP-bound (RFC 9449) to the page's non-extractable key (parley.dpop): with "session" the key
waits in this origin's IndexedDB, so the tokens kept in sessionStorage are useless to anyone without it.
"""

import asyncio
import json

from pyscript import window

from parley import urls
from parley.auth import LIST_SCOPES, REFRESH_MARGIN_MS, FrameAuth, query
from parley.clock import now_ms
from parley.errors import ParleyError
from parley.http import dpop_fetch, fetch_text, request, transient

STORAGE_KEY = "parley.refresh."
ACCESS_KEY = "parley.access."  # {"token", "expires_at" (epoch ms), "scope"}: the current access token


class InlineAuth(FrameAuth):
    """OAuth as a public client in the page itself: code + PKCE popup, tokens from /oauth/token."""

    def __init__(self, public_url, client_id, scope, persist="memory", dpop=None):
        super().__init__(public_url, client_id, scope, dpop)
        self.message_origin = urls.origin(public_url)  # the callback page is on Parley's origin
        self.persist = persist
        self.refresh_token = None
        if persist == "session":
            stored = window.sessionStorage.getItem(STORAGE_KEY + client_id)
            self.refresh_token = str(stored) if stored else None

    def _keep(self, refresh_token, access=None):
        self.refresh_token = refresh_token
        if self.persist == "session":
            if refresh_token:
                window.sessionStorage.setItem(STORAGE_KEY + self.client_id, refresh_token)
            else:
                window.sessionStorage.removeItem(STORAGE_KEY + self.client_id)
            if refresh_token and access:
                window.sessionStorage.setItem(ACCESS_KEY + self.client_id, json.dumps(access))
            else:
                window.sessionStorage.removeItem(ACCESS_KEY + self.client_id)

    def _kept_access(self):
        """The access token an earlier page of this tab kept, while it has more than a minute left, else None."""
        if self.persist != "session" or not self.refresh_token:
            return None
        try:
            access = json.loads(str(window.sessionStorage.getItem(ACCESS_KEY + self.client_id) or ""))
        except ValueError:
            return None
        if not isinstance(access, dict) or not isinstance(access.get("token"), str):
            return None
        expires_at = access.get("expires_at")
        if not isinstance(expires_at, int) or now_ms() > expires_at - REFRESH_MARGIN_MS:
            return None
        return access

    async def _post(self, path, params):
        url = self.public_url + path
        options = {"method": "POST", "body": query(params),
                   "headers": {"Content-Type": "application/x-www-form-urlencoded"}}
        if path == "/oauth/token" and self.dpop is not None:  # tokens bound to this page's key
            status, text = await dpop_fetch(self.dpop, "POST", url, options)
        else:
            status, text = await fetch_text(url, **options)
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
        self._keep(data.get("refresh_token"), {"token": data["access_token"], "scope": data.get("scope") or "",
                                               "type": data.get("token_type") or "Bearer",
                                               "expires_at": now_ms() + int(data.get("expires_in", 600)) * 1000})
        return await self._with_lists(data, include)

    async def _with_lists(self, data, include):
        """`data` (a token answer) with the user and the lists asked for in `include`, fetched together."""
        granted = str(data.get("scope") or "").split()
        wanted = [name for name, scope in LIST_SCOPES if name in include.split() and scope in granted]
        dpop = self.dpop if str(data.get("token_type") or "").lower() == "dpop" else None
        answers = await asyncio.gather(*[request("GET", self.public_url + "/api/v1/" + path, dpop=dpop,
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
            access = self._kept_access() if body.get("include") else None
            if access is not None:  # the next page of a visit: one round trip with the token still valid
                data = {"access_token": access["token"], "scope": access.get("scope") or "",
                        "token_type": access.get("type") or "Bearer",
                        "expires_in": max(0, (access["expires_at"] - now_ms()) // 1000)}
                try:
                    return await self._with_lists(data, body.get("include", ""))
                except ParleyError as error:
                    if transient(error):
                        raise
                    window.sessionStorage.removeItem(ACCESS_KEY + self.client_id)  # revoked: refresh instead
            try:
                return await self._tokens({"grant_type": "refresh_token", "refresh_token": self.refresh_token,
                                           "client_id": self.client_id}, body.get("include", ""))
            except ParleyError as error:
                # refused: forget it; offline, or banned from this site (until the owners lift the ban, as the
                # frame keeps its cookie): keep it for the next try
                if not transient(error) and error.code != "banned":
                    self._keep(None)
                raise
        if path == "/end" and self.refresh_token:
            token = self.refresh_token
            self._keep(None)
            await self._post("/oauth/revoke", {"token": token, "client_id": self.client_id})
        return None
