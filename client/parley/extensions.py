"""Extensions for the copy-paste widget: Python modules a site owner lists in the site settings
(`settings["extensions"]`, URLs on the site's registered origins), loaded into the frame's interpreter.

Each module is fetched, then run in a fresh namespace with its registrations attributed to its URL; if it
defines `setup(session)` (sync or async), that is called with the widget's session. A module that fails to
fetch, to run or later in one of its handlers is reported in the console and disabled as a whole: the widget
and the other extensions go on.
"""

import asyncio

from parley.registry import REGISTRY
from parley.urls import origin

MAX_EXTENSIONS = 10
MAX_SOURCE_CHARS = 200000


def allowed(urls, origins):
    """The extension URLs (at most MAX_EXTENSIONS, no duplicates) whose origin is one of `origins`."""
    out = []
    for url in urls or []:
        if origin(url) in origins and url not in out:
            out.append(url)
    return out[:MAX_EXTENSIONS]


def run_source(source, url, session, registry=REGISTRY):
    """Run one extension's source with its registrations attributed to `url`; returns its setup()'s result
    (maybe a coroutine: the caller awaits it under the same owner) or None. Raises what the module raises."""
    previous = registry.loading(url)
    try:
        namespace = {"__name__": "parley_extension", "__file__": url}
        exec(compile(source, url, "exec"), namespace)
        setup = namespace.get("setup")
        return setup(session) if callable(setup) else None
    finally:
        registry.loading(previous)


async def fetch_source(url, registry=REGISTRY):
    """The absolute URL and source of one extension, or (url, None) when it was disabled (not fetched, too big)."""
    from pyscript import fetch, window

    url = str(window.URL.new(url, window.location.href).href)  # __file__ is absolute: modules find their site
    try:
        response = await fetch(url, credentials="omit")
        status = int(response.status)
        if status != 200:
            registry.disable(url, "HTTP " + str(status) + " when fetching it")
            return url, None
        source = await response.text()
    except Exception as error:
        registry.disable(url, "could not fetch it (" + str(error) + "); is it served with CORS "
                              "and allowed by the frame's connect-src?")
        return url, None
    if len(source) > MAX_SOURCE_CHARS:
        registry.disable(url, "larger than " + str(MAX_SOURCE_CHARS) + " characters")
        return url, None
    return url, source


async def run_one(url, source, session, registry=REGISTRY):
    """Run one fetched extension; True if it loaded, False if it was disabled."""
    try:
        result = run_source(source, url, session, registry)
        if result is not None and hasattr(result, "send"):
            previous = registry.loading(url)
            try:
                await result
            finally:
                registry.loading(previous)
    except Exception as error:
        registry.disable(url, "it raised " + type(error).__name__ + ": " + str(error))
        return False
    return True


async def load_one(url, session, registry=REGISTRY):
    """Fetch and run one extension; True if it loaded, False if it was disabled."""
    url, source = await fetch_source(url, registry)
    return source is not None and await run_one(url, source, session, registry)


async def load(urls, session, registry=REGISTRY):
    """Load the extensions: fetched all at once (one round trip, not one each), then run in their order;
    returns the URLs that loaded."""
    fetched = await asyncio.gather(*[fetch_source(url, registry) for url in urls or []])
    loaded = []
    for url, source in fetched:
        if source is not None and await run_one(url, source, session, registry):
            loaded.append(url)
    return loaded
