"""Display helpers shared by the UI: initials, hosts, times and day labels (pure)."""

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
