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
                theme_root=None, on_counts=None, on_close=None, on_notice=None, on_sound=None):
    """A Client signed in through `auth`, its Widget drawn into `root` (None: no UI), and the Session the public
    API acts on, made current (parley.current()). `show`/`hide` show or hide the widget's container,
    `on_counts(unread, here)` follows the counts, `on_notice(notice)` follows who wrote (Widget.notice()
    and "here"), `on_close()` answers the widget's close button (by default the session's close()),
    `on_sound(choice)` follows the visitor's sound choice ("on", "off", "site").
    `mode`: "frame", "inline" or "headless". Call `await session.start()` next."""
    client = Client(auth, ws_url)
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
                        on_notice=on_notice, on_sound=on_sound)
    session = set_current(Session(client, widget, show, hide, theme_root, mode))
    return session
