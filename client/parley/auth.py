"""Sign-in for the widget: OAuth 2.0 authorization code + PKCE (S256) in a top-level popup (browser I/O).

In the copy-paste frame the refresh token never reaches Python or JavaScript: /frame/session keeps it in an
HttpOnly, Partitioned (CHIPS) cookie on the Parley origin, so a returning visitor of the same site stays signed
in even where third-party cookies and storage are blocked, and signing in on one site signs in nowhere else.
The access token lives in memory only, bound (DPoP, RFC 9449) to the frame page's non-extractable key:
parley.dpop.Dpop makes every proof (the sign-in requests, API calls, the socket's hello).
"""

import asyncio
import binascii
import hashlib
import json

from pyscript import window
from pyscript.ffi import create_proxy

from parley.clock import now_ms
from parley.errors import ParleyError
from parley.http import request, transient
from parley.listeners import listen, unlisten

REFRESH_MARGIN_MS = 60000  # refresh an access token this long before it expires
POPUP_FEATURES = "popup=yes,width=480,height=700"
DEFAULT_SCOPE = "profile friends messages share people"
LIST_SCOPES = (("friends", "friends"), ("conversations", "messages"))  # a list, the scope it needs
LISTS = tuple(name for name, _ in LIST_SCOPES)
LISTS_WANTED = " ".join(LISTS)  # /frame/session answers carry these when the scope allows


def b64url(data):
    """Unpadded base64url of bytes."""
    text = binascii.b2a_base64(data).decode().strip()
    return text.replace("+", "-").replace("/", "_").rstrip("=")


def new_verifier():
    """A PKCE code verifier: 64 characters from the browser's CSPRNG (two random UUIDs)."""
    return (str(window.crypto.randomUUID()) + str(window.crypto.randomUUID())).replace("-", "")


def challenge_of(verifier):
    """S256 code challenge of a verifier."""
    return b64url(hashlib.sha256(verifier.encode()).digest())


def query(params):
    """application/x-www-form-urlencoded query string (encodeURIComponent per value)."""
    return "&".join(k + "=" + str(window.encodeURIComponent(str(v))) for k, v in params.items())


class FrameAuth:
    """Tokens for the copy-paste frame: popup sign-in, silent refresh through the partitioned cookie."""

    def __init__(self, public_url, client_id, scope=None, dpop=None):
        self.public_url = public_url.rstrip("/")
        self.dpop = dpop  # parley.dpop.Dpop: the page's key for DPoP proofs (None: bearer tokens)
        self.bound = False  # the current access token is DPoP-bound
        self.client_id = client_id
        self.scope = scope or DEFAULT_SCOPE
        self.redirect_uri = self.public_url + "/oauth/callback"
        self.access_token = None
        self.expires_at = 0
        self.user = None
        self.granted = ()
        self.lists = {}  # friends / conversations that came with the last token answer
        self.want_kept = False  # parley.kept.ServerKept sets it: sign-in answers then bring back what was kept
        self.kept = None  # {"place": text, "outbox": text} kept on the server by an earlier page of the visit
        self.refused = None  # why the last silent sign-in was refused when it says ("banned": from this site)

    @property
    def signed_in(self):
        return self.access_token is not None

    def _accept(self, data):
        self.access_token = data["access_token"]
        self.bound = str(data.get("token_type") or "").lower() == "dpop"
        self.expires_at = now_ms() + int(data.get("expires_in", 600)) * 1000
        self.user = data.get("user")
        self.granted = tuple(str(data.get("scope") or "").split())
        self.lists = {}
        for name in LISTS:
            if isinstance(data.get(name), list):
                self.lists[name] = data[name]
        if isinstance(data.get("kept"), dict) and self.kept is None:
            self.kept = data["kept"]
        return self.user

    def token_dpop(self):
        """The Dpop to prove possession with when using the access token (None for a bearer token)."""
        return self.dpop if self.bound else None

    def take_lists(self):
        """The friends / conversations lists that came with the sign-in (each once), keyed by name."""
        lists, self.lists = self.lists, {}
        return lists

    async def _session(self, path, body):
        dpop = self.dpop if path != "/end" else None  # tokens are issued: bind them to this page's key
        return await request("POST", self.public_url + "/frame/session" + path, body,
                             credentials="include", headers={"X-Parley-Frame": "1"}, dpop=dpop)

    async def restore(self, with_lists=False):
        """Sign in silently from the cookie of an earlier visit; the user, or None when there is no valid
        sign-in. Raises ParleyError when the server cannot be reached (see http.transient): the sign-in is
        kept for a retry; a refusal because the site's owners banned the account sets ``refused`` to
        "banned". `with_lists` asks for the friends and conversations in the same answer."""
        body = {"client_id": self.client_id}
        self.refused = None
        if with_lists:
            body["include"] = LISTS_WANTED + (" kept" if self.want_kept else "")
        try:
            early = await self._early_restore() if with_lists else None
            data = early if early is not None else await self._session("/refresh", body)
        except ParleyError as error:
            if transient(error):  # offline or the server restarting: the sign-in may well be fine
                raise
            data = None  # refused: the sign-in ended (revoked, expired, replayed), or the visitor is banned here
            if error.code == "banned":  # the site's owners banned this account: the widget says so
                self.refused = "banned"
        if not data:  # 204: nothing kept for this site in this browser
            self.access_token = None
            return None
        return self._accept(data)

    async def _early_restore(self):
        """The answer of the silent sign-in the frame's boot script started before Python (frame-boot.js), once:
        the decoded body ({} for 204: no sign-in kept), or None when there is none to take. Raises ParleyError
        as the same request made here would."""
        started = getattr(window, "parleyRestore", None)
        if started is None:
            return None
        window.parleyRestore = None
        answer = await started
        status, text = int(answer.status), str(answer.text)
        if self.dpop is not None and getattr(answer, "nonce", None):
            self.dpop.saw(answer.nonce)
        if status == 0:
            raise ParleyError("network", "network error: the sign-in could not be restored")
        if status == 204:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if 200 <= status < 300 and isinstance(data, dict):
            return data
        error = data.get("error") if isinstance(data, dict) else None
        code = str(error.get("code") or "") if isinstance(error, dict) else ""
        raise ParleyError(code or f"http_{status}", f"HTTP {status}", status)

    async def token(self):
        """A valid access token (refreshed if it is about to expire), or None when signed out."""
        if self.access_token is None:
            return None
        if now_ms() > self.expires_at - REFRESH_MARGIN_MS:
            try:
                await self.restore()
            except ParleyError:  # transient: keep the token until the server can be reached again
                pass
        return self.access_token

    def open_popup(self):
        """Open the sign-in popup. Call synchronously from the click (popup blockers), then await finish()."""
        verifier = new_verifier()
        state = new_verifier()[:32]
        url = self.public_url + "/oauth/authorize?" + query({
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.scope,
            "state": state,
            "code_challenge": challenge_of(verifier),
            "code_challenge_method": "S256",
        })
        popup = window.open(url, "parley-signin", POPUP_FEATURES)
        return {"popup": popup, "verifier": verifier, "state": state}

    async def finish(self, attempt, timeout_s=600):
        """Wait for the popup's result (postMessage from our own origin and that popup only), then exchange
        the code. Returns the user; raises ParleyError on denial, mismatch or timeout."""
        popup = attempt["popup"]
        if popup is None or (hasattr(popup, "closed") and popup.closed is None):
            raise ParleyError("popup_blocked", "the sign-in window was blocked")
        result = {}
        done = asyncio.Event()
        own_origin = getattr(self, "message_origin", None) or str(window.location.origin)  # inline: Parley's

        def on_message(event):
            if str(event.origin) != own_origin or event.source != popup:
                return  # forged or unrelated: ignore
            try:
                data = json.loads(window.JSON.stringify(event.data))
            except Exception:
                return
            if not isinstance(data, dict) or data.get("type") != "parley:oauth":
                return
            result.update(data)
            done.set()

        proxy = create_proxy(on_message)
        listen(window, "message", proxy)
        try:
            waited = 0
            while not done.is_set():
                await asyncio.sleep(0.2)
                waited += 0.2
                if popup.closed and not done.is_set():
                    await asyncio.sleep(0.3)  # the message may be on its way as the popup closes
                    if not done.is_set():
                        raise ParleyError("cancelled", "the sign-in window was closed")
                if waited > timeout_s:
                    raise ParleyError("timeout", "sign-in took too long")
        finally:
            unlisten(window, "message", proxy)
        if result.get("error"):
            raise ParleyError(str(result["error"]), str(result.get("error_description") or result["error"]))
        if result.get("state") != attempt["state"]:
            raise ParleyError("state_mismatch", "the sign-in answer does not match this request")
        if result.get("iss") and result["iss"] != self.public_url:
            raise ParleyError("issuer_mismatch", "the sign-in answer comes from another server")
        data = await self._session("", {
            "client_id": self.client_id,
            "code": result.get("code"),
            "code_verifier": attempt["verifier"],
            "redirect_uri": self.redirect_uri,
            "include": LISTS_WANTED,
        })
        self.kept = {}  # a new sign-in: nothing of an earlier one is kept
        return self._accept(data)

    def kept_storage(self):
        """Where this frame keeps its visit when the browser refuses it storage: on the server, behind the
        sign-in's partitioned cookie (parley.kept)."""
        from parley.kept import ServerKept

        return ServerKept(self)

    async def sign_out(self):
        """Revoke this site's tokens for this browser and forget them."""
        self.access_token = None
        self.bound = False
        self.user = None
        self.kept = {}
        try:
            await self._session("/end", {"client_id": self.client_id})
        except ParleyError:
            pass
