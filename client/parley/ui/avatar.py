"""The round avatar every screen draws for a user (initials, a stable colour, a presence dot)."""

from parley.ui import format as fmt
from parley.ui.dom import el


def avatar(user_id, name, status=None):
    """A round avatar with initials, a stable colour and a presence dot."""
    attrs = {"class_": "p-avatar", "aria-hidden": "true", "style": "--hue:" + str(fmt.hue(user_id))}
    dot = el("span", {"class_": "p-dot p-" + status}) if status else None
    return el("span", attrs, fmt.initials(name), dot)
