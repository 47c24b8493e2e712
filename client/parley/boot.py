"""The one boot of a Parley session, whichever way the page embeds it (browser I/O).

The copy-paste widget's page (parley.copypaste), parley.mount() and parley.init() (parley.inline) all make
their session with new_session(), then await session.start(). They differ only in the sign-in object they pass
in (parley.auth.FrameAuth: the frame's partitioned cookie; parley.inline_auth.InlineAuth: PKCE in the developer's
page) and in where the widget is drawn (the frame's document, a shadow root of the page, or nowhere).
"""

from pyscript import window

from parley.client import Client
from parley.i18n import pick_language
from parley.session import Session, set_current


def browser_languages():
    """The browser's preferred languages (navigator.languages), best first."""
    languages = window.navigator.languages
    return [str(languages[i]) for i in range(int(languages.length))] if languages else []


def widget_language(preferred=None):
    """The widget's language: `preferred` (the site's or the developer's choice) if supported, else the
    browser's best supported one, else English."""
    return pick_language(preferred, browser_languages())


def new_session(auth, root=None, mode="inline", site_name="", lang="en", ws_url=None, show=None, hide=None,
                theme_root=None, on_counts=None, on_close=None, on_notice=None, on_sound=None, keep="session"):
    """A Client signed in through `auth`, its Widget drawn into `root` (None: no UI), and the Session the public
    API acts on, made current (parley.current()). `show`/`hide` show or hide the widget's container,
    `on_counts(unread, here)` follows the counts, `on_notice(notice)` follows who wrote (Widget.notice()
    and "here"), `on_close()` answers the widget's close button (by default the session's close()),
    `on_sound(choice)` follows the visitor's sound choice ("on", "off", "site").
    `mode`: "frame", "inline" or "headless". `keep`: "session" keeps the visitor's place, drafts and unsent
    messages in this page's sessionStorage for the next page of the visit (parley.place), or on the server
    when the copy-paste frame is refused storage (parley.kept); "memory" keeps nothing. Call
    `await session.start()` next."""
    from parley.storage import open_storage

    storage = open_storage(keep)
    if keep == "session" and not storage.available and hasattr(auth, "kept_storage"):
        storage = auth.kept_storage()  # the copy-paste frame refused its storage: keep the visit on the server
    client = Client(auth, ws_url, storage=storage)
    if hasattr(storage, "on_settled"):
        storage.on_settled = client.storage_settled
    session = None

    def close():
        if on_close is not None:
            on_close()
        elif session is not None:
            session.close()

    widget = None
    if root is not None:
        from parley.widget import Widget

        widget = Widget(client, root, site_name, lang, on_counts=on_counts, on_close=close,
                        on_notice=on_notice, on_sound=on_sound, storage=storage)
    session = set_current(Session(client, widget, show, hide, theme_root, mode))
    return session


def warn_before_unload(client):
    """Ask the browser to warn before this page unloads while an unsent message could not be kept (storage
    refused). The copy-paste frame asks its host page through the bridge instead."""
    from pyscript.ffi import create_proxy

    from parley.listeners import listen

    def on_unload(event):
        if client.unsent_at_risk:
            event.preventDefault()
            event.returnValue = ""  # older browsers look at this instead

    listen(window, "beforeunload", create_proxy(on_unload))
