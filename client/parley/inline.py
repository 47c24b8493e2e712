"""Inline mode: the widget mounted in a shadow root of the developer's own page (site origin), or headless.

Both go through the widget's one boot (parley.boot), with the page's own sign-in (parley.inline_auth.InlineAuth,
PKCE in the page; see there where tokens are kept).
"""

from pyscript import document, window

from parley import boot
from parley import errors as E
from parley.dpop import Dpop
from parley.inline_auth import InlineAuth


def _config():
    """The `parley` section of the PyScript config (/inline/config.json puts server, client_id, css in it)."""
    try:
        from pyscript import config

        section = config.get("parley") if isinstance(config, dict) else None
        return section if isinstance(section, dict) else {}
    except Exception:
        return {}


def _settings(server, client_id):
    config = _config()
    server = str(server or config.get("server") or "").rstrip("/")
    client_id = str(client_id or config.get("client_id") or "")
    if not server or not client_id:
        raise E.ParleyError("config", "give server= and client_id= (or load /inline/config.json?site=CLIENT_ID "
                                      "as the PyScript config)")
    return server, client_id, config


def _auth(server, client_id, scope, persist, config):
    """The page's own sign-in (PKCE), for mount() and init(); its tokens are DPoP-bound to a key kept in this
    origin's IndexedDB (persist="session", beside the refresh token it protects) or in this page only, when the
    config names Parley's dpop.js (/inline/config.json does)."""
    dpop = None
    if config.get("dpop"):
        kept_as = "parley.dpop." + client_id if persist == "session" else None
        dpop = Dpop(str(config["dpop"]), str(config.get("dpop_nonce") or ""), kept_as)
    return InlineAuth(server, client_id, scope or config.get("scopes") or None, persist, dpop)


def _target(target):
    if target is None:
        return document.body
    if isinstance(target, str):
        node = document.querySelector(target)
        if not node:
            raise E.ParleyError("no_target", "no element matches " + repr(target))
        return node
    return target


async def mount(target=None, server=None, client_id=None, scope=None, theme="auto", lang=None,
                persist="memory", hidden=False, keep="session"):
    """parley.mount(): the widget in a shadow root inside `target`; returns the (current) session. `keep`:
    "session" keeps the visitor's place, drafts and unsent messages in the page's sessionStorage for the next
    page ("memory": nothing kept; see docs/security.md)."""
    from parley.ui.dom import el

    server, client_id, config = _settings(server, client_id)
    node = _target(target)
    host, root = _painted(node)
    if host is None:
        host = document.createElement("parley-inline")
        host.setAttribute("style", "display:block;height:100%;min-height:420px")
        node.appendChild(host)
        shadow = host.attachShadow(window.JSON.parse('{"mode": "open"}'))
        css = config.get("css") or (server + "/widget.css")
        shadow.appendChild(el("link", {"rel": "stylesheet", "href": css}))
        root = el("div", {"class_": "parley", "id": "parley-root", "data-theme": theme, "data-mode": "inline",
                          "aria-label": "Parley"})
        shadow.appendChild(root)
    else:  # painted by paint.js: the live widget takes it over (parley.painted)
        root.setAttribute("data-theme", theme)

    def show():
        host.hidden = False

    def hide():
        host.hidden = True

    session = boot.new_session(
        _auth(server, client_id, scope, persist, config), root, mode="inline",
        site_name=str(config.get("name") or ""), lang=boot.widget_language(lang or config.get("lang")),
        ws_url=config.get("ws_url"), show=show, hide=hide, theme_root=root, keep=keep,
    )
    boot.warn_before_unload(session.client)
    if hidden:
        hide()
    session.widget.on_invite_taken = _forget_invite  # the invite code leaves the address once used
    if keep == "session" and node.getAttribute("data-parley-paint") == client_id:
        session.widget.keep_drawing()  # the page has paint.js: its next page paints the panel at once
    session.widget.set_page(str(window.location.href), str(document.title))
    await session.start()
    root.setAttribute("data-state", "ready")
    root.removeAttribute("aria-busy")
    return session


def _painted(node):
    """(host, root) of a panel paint.js painted in `node` before Python was up, else (None, None)."""
    host = node.querySelector("parley-inline")
    shadow = host.shadowRoot if host else None
    root = shadow.getElementById("parley-root") if shadow else None
    if root and root.getAttribute("data-state") == "painted":
        return host, root
    return None, None


def _forget_invite():
    """Take the invite code out of the page's address, so a reload does not offer it again."""
    from parley.people import without_invite

    window.history.replaceState(window.history.state, "", without_invite(str(window.location.href)))


async def init(server=None, client_id=None, scope=None, persist="memory", keep="session"):
    """parley.init(): a session with no UI (`keep`: as for mount(), for unsent messages)."""
    server, client_id, config = _settings(server, client_id)
    session = boot.new_session(_auth(server, client_id, scope, persist, config), mode="headless",
                               ws_url=config.get("ws_url"), keep=keep)
    boot.warn_before_unload(session.client)
    session.client.set_page(str(window.location.href), str(document.title))
    await session.start()
    return session
