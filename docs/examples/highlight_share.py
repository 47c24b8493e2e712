"""Page integration: when a friend shares a page of this site with you, say so in a banner on the page and
highlight the links to it.

Inline (the widget in your own page) it marks your page; as an extension of the copy-paste widget it runs in
the widget's frame, which cannot touch the host page, so the banner shows inside the widget's document.
"""

import parley
from pyscript import document

BANNER_ID = "parley-shared"


def split(url):
    """(origin + path, {query name: value}) of an absolute URL, fragment dropped."""
    url = url.split("#", 1)[0]
    base, _, query = url.partition("?")
    params = {}
    for pair in query.split("&"):
        if pair:
            name, _, value = pair.partition("=")
            params[name] = value
    return base, params


def same_page(link, shared):
    """Whether `link` points at the shared page: same origin and path, and its query is part of the share's."""
    link_base, link_params = split(link)
    shared_base, shared_params = split(shared)
    return link_base == shared_base and all(shared_params.get(k) == v for k, v in link_params.items())


def sender_name(user_id):
    try:
        return parley.current().friend(user_id)["name"]
    except parley.ParleyError:
        return "A friend"


@parley.on("share")
def highlight(event):
    message = event["message"]
    data = message.get("data") or {}
    url = data.get("url") or ""
    here = str(document.location.origin)
    if not url.startswith(here + "/"):
        return  # a page of another site: nothing to highlight here
    banner = document.getElementById(BANNER_ID)
    if not banner:
        banner = parley.el("div", {"id": BANNER_ID, "role": "status", "class_": "parley-shared",
                                   "style": "padding:10px 16px;background:#fff4c2;border-bottom:2px solid #f5b301"})
        document.body.prepend(banner)
    banner.textContent = sender_name(message.get("from")) + " shared “" + (data.get("title") or url) + "” with you"
    links = document.querySelectorAll("a[href]")
    for i in range(int(links.length)):
        link = links.item(i)
        if same_page(str(link.href), url):
            link.classList.add("parley-highlight")
            link.style.outline = "3px solid #f5b301"
