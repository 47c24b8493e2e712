"""Pictures and files in the widget, the pure part: sizes as people read them, which uploads a site takes, the
box a thumbnail is drawn in, and what to upload from a paste or a drop. No browser import: unit-tested in
CPython and MicroPython."""

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")  # what the server re-encodes and shows
THUMB_BOX = 240  # CSS pixels: the longest side of a thumbnail in the log


def human_size(size, lang="en"):
    """``1536`` -> ``"1.5 KB"``: bytes, KB, MB, GB (1024-based, one decimal under 10); a comma in French."""
    size = int(size)
    units = ("B", "KB", "MB", "GB")
    if lang == "fr":
        units = ("o", "Ko", "Mo", "Go")
    value = float(size)
    unit = 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    if unit == 0:
        text = str(size)
    elif value < 10:
        text = str(int(value * 10 + 0.5) / 10)
        if text.endswith(".0"):
            text = text[:-2]
    else:
        text = str(int(value + 0.5))
    if lang == "fr":
        text = text.replace(".", ",")
    return text + " " + units[unit]


def thumb_box(data):
    """(width, height) to draw a file message's thumbnail: its thumbnail's size, scaled down to THUMB_BOX."""
    width, height = int(data.get("tw") or THUMB_BOX), int(data.get("th") or THUMB_BOX)
    longest = max(width, height, 1)
    if longest <= THUMB_BOX:
        return width, height
    return max(1, width * THUMB_BOX // longest), max(1, height * THUMB_BOX // longest)


def is_picture(data):
    """Whether a file message shows as a picture (the server re-encoded it and made a thumbnail)."""
    return bool(data and data.get("image") and data.get("tw") and data.get("th"))


def refusal(name, size, kind, policy):
    """Why the site refuses this upload before it starts, as an i18n key with its values, or None.
    ``policy`` is ``{"files": "all"|"images"|"off", "max_bytes": int}``; ``kind`` the browser's type."""
    mode = policy.get("files", "all")
    if mode == "off":
        return ("files_off", {})
    if mode == "images" and kind not in IMAGE_TYPES:
        return ("files_images_only", {})
    if size <= 0:
        return ("file_empty", {"name": name})
    max_bytes = int(policy.get("max_bytes") or 0)
    if max_bytes and size > max_bytes:
        return ("file_too_big", {"name": name, "max": max_bytes})
    return None


def pasted_name(kind, now_text):
    """A name for a pasted picture (the clipboard gives none): ``pasted 2026-12-12 10.31.png``."""
    extension = {"image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}.get(kind, ".png")
    return "pasted " + now_text + extension


def upload_error_key(code):
    """The i18n key telling the visitor why the server refused an upload (its error code)."""
    return {
        "too_large": "file_too_big_server",
        "too_many_pixels": "file_too_many_pixels",
        "bad_image": "file_bad_image",
        "images_only": "files_images_only",
        "files_off": "files_off",
        "empty": "file_empty_server",
        "network": "file_network",
    }.get(code, "file_failed")
