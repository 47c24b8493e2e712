"""Display helpers shared by the UI: initials, hosts, times, day labels and the composer's counter (pure)."""

from parley.protocol import MAX_TEXT_CHARS, text_length

COUNTER_WARN = 500  # the composer shows the characters left from this many before the limit

DAY_MS = 86400000


def initials(name):
    """Up to two initials for an avatar ('Alice Martin' -> 'AM')."""
    parts = [part for part in str(name or "?").split() if part]
    letters = "".join(part[0] for part in parts[:2]).upper()
    return letters or "?"


def day_index(ts_ms, offset_min):
    """Days since the epoch in local time; offset_min is JavaScript's getTimezoneOffset()."""
    return (ts_ms - offset_min * 60000) // DAY_MS


def clock(ts_ms, offset_min):
    """'HH:MM' in local time."""
    minutes = ((ts_ms - offset_min * 60000) // 60000) % 1440
    hours, mins = minutes // 60, minutes % 60
    return ("0" if hours < 10 else "") + str(hours) + (":0" if mins < 10 else ":") + str(mins)


def day_label(ts_ms, now_ms, offset_min, t, date_text):
    """'Today', 'Yesterday' or ``date_text()`` (the caller's locale-formatted date, asked for only when
    needed: a browser's first locale date formatting loads its locale data, tens of milliseconds)."""
    diff = day_index(now_ms, offset_min) - day_index(ts_ms, offset_min)
    if diff == 0:
        return t("today")
    if diff == 1:
        return t("yesterday")
    return date_text()


def hue(user_id):
    """A stable avatar hue per user."""
    return (int(user_id) * 137) % 360


def text_counter(text, limit=MAX_TEXT_CHARS, warn=COUNTER_WARN):
    """The composer's counter for ``text``, counted as the server counts (parley.protocol.text_length):
    {"count", "remaining" (negative past the limit), "show" (near or past the limit), "over" (cannot be sent)}."""
    count = text_length(text)
    remaining = limit - count
    return {"count": count, "remaining": remaining, "show": remaining <= warn, "over": remaining < 0}


def preview(text, limit):
    """A one-line preview of a message: whitespace runs become one space; past ``limit`` characters it is cut
    at the last space of the kept part (if not too early) and ends with an ellipsis."""
    line = " ".join(str(text).split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def marked_runs(text, marks):
    """``[(part, marked), ...]`` covering ``text``: the ``[start, end)`` ranges of ``marks`` (a search hit's
    matches, clipped to the text, overlapping or out-of-order ones merged) marked, the rest not."""
    spans = []
    for start, end in sorted((int(a), int(b)) for a, b in marks or ()):
        start, end = max(0, start), min(len(text), end)
        if start >= end:
            continue
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    out = []
    at = 0
    for start, end in spans:
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < len(text):
        out.append((text[at:], False))
    return out
