"""What extensions add to the widget's UI: custom share cards and composer buttons.

A custom card travels in a share's data as `card: {"type": "product", "fields": {...}}` (flat fields of text,
numbers and booleans; see docs/protocol.md). The renderer registered for its type draws it from that data with
parley.el (text is always inserted as text); links and images go through parley.urls.safe_link, so a hostile payload
stays inert. A renderer that fails is reported, its extension disabled, and the plain link card is shown.
"""

from parley.registry import REGISTRY
from parley.urls import safe_link


def card_of(data):
    """The custom card of a share's data ({type, fields}), or None when it is a plain link card."""
    if not isinstance(data, dict):
        return None
    card = data.get("card")
    if not isinstance(card, dict) or not isinstance(card.get("type"), str):
        return None
    fields = card.get("fields")
    return {"type": card["type"], "fields": dict(fields) if isinstance(fields, dict) else {}}


class Card:
    """What a renderer gets: the card's type and fields, the shared link, and safe helpers to draw with."""

    def __init__(self, data):
        card = card_of(data) or {"type": "", "fields": {}}
        self.type = card["type"]
        self.fields = card["fields"]
        self.url = safe_link(data.get("url"))
        self.title = str(data.get("title") or "")
        self.description = str(data.get("description") or "")

    def get(self, name, default=""):
        """A field as text ('' or `default` when missing)."""
        value = self.fields.get(name)
        return default if value is None else str(value)

    def link(self, *children, **attrs):
        """An <a> to the shared URL, opening in a new tab with no handle on the widget."""
        from parley.ui.dom import el

        base = {"href": self.url, "target": "_blank", "rel": "noopener noreferrer nofollow"}
        base.update(attrs)
        return el("a", base, *children)

    def image(self, field, alt="", **attrs):
        """An <img> from a URL field (None when the field is not a safe http(s) URL)."""
        from parley.ui.dom import el

        src = safe_link(self.fields.get(field))
        if src is None:
            return None
        base = {"src": src, "alt": alt, "loading": "lazy", "referrerpolicy": "no-referrer"}
        base.update(attrs)
        return el("img", base)


def render(data, registry=REGISTRY):
    """The custom card element for a share's data, or None (then the caller draws the plain link card)."""
    card = card_of(data)
    if card is None:
        return None
    entry = registry.renderer(card["type"])
    if entry is None:
        return None
    renderer, owner = entry
    try:
        node = renderer(Card(data))
    except Exception as error:
        registry.fail(owner, "card renderer " + repr(card["type"]), error)
        return None
    if node is None:
        return None
    from parley.ui.dom import el

    return el("div", {"class_": "p-card p-card-custom", "data-card": card["type"]}, node)


def composer_buttons(registry=REGISTRY):
    """Buttons for the composer actions extensions added (each with its label as accessible name)."""
    actions = registry.composer_actions()
    if not actions:
        return []
    from parley.ui.dom import el

    return [
        el("button", {"type": "button", "class_": "p-icon p-action", "data-action": "ext-action", "data-arg": index,
                      "aria-label": action["label"], "title": action["label"]}, action["icon"] or action["label"])
        for index, action in actions
    ]
