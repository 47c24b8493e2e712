"""Links in message text (pure): split text into runs of plain text and http(s) links.

A link starts with ``http://`` or ``https://`` (any case) at the start of the text or after a character that
is not a letter or digit, and runs to the next space, control character, quote, angle bracket or backslash.
Trailing punctuation (``.,;:!?'*``) and closing brackets without their opening one inside the link stay
text, as chat apps do ("see (https://x.example/a_(b))." links ``https://x.example/a_(b)``). What remains must
pass the link card rules (``parley.protocol.check_url``: a host, no user info, a valid port, at most 2048
characters); anything else stays text. ``www.`` without a scheme is not a link (no scheme to guess).
One pass over the text: linear in its length, whatever it holds.
"""

from parley.protocol import ProtocolError, check_url

TRAILING = ".,;:!?'*"
CLOSERS = {")": "(", "]": "[", "}": "{"}
STOPS = '"<>\\`'


WIDE_SPACES = (0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF)


def _ends_link(ch):
    """Whether ``ch`` cannot be part of a link (white space of any kind, control characters, STOPS)."""
    code = ord(ch)
    return code <= 32 or 0x7F <= code <= 0xA0 or 0x2000 <= code <= 0x200B or code in WIDE_SPACES or ch in STOPS


def _word_char(ch):
    return ch.isalpha() or ch.isdigit()


def _trim(url):
    """``url`` without trailing punctuation and unbalanced closing brackets."""
    opens = {"(": 0, "[": 0, "{": 0}
    closes = {")": 0, "]": 0, "}": 0}
    for ch in url:
        if ch in opens:
            opens[ch] += 1
        elif ch in closes:
            closes[ch] += 1
    end = len(url)
    while end > 0:
        ch = url[end - 1]
        if ch in TRAILING:
            end -= 1
        elif ch in CLOSERS and closes[ch] > opens[CLOSERS[ch]]:
            closes[ch] -= 1
            end -= 1
        else:
            break
    return url[:end]


def _href(url):
    """The href for a link candidate (scheme lower-cased), or None when the link card rules refuse it."""
    try:
        return check_url(url)
    except ProtocolError:
        return None


def runs(text):
    """``[(text, href), ...]`` covering ``text`` in order; ``href`` is None for plain text, else the safe
    http(s) URL of that run (the run's text is the link as written)."""
    if not isinstance(text, str) or not text:
        return []
    out = []
    lowered = text.lower()
    start = 0  # where the current plain run begins
    i = lowered.find("http", 0)
    n = len(text)
    while i >= 0:
        j = i + 4
        if lowered.startswith("s", j):
            j += 1
        if not lowered.startswith("://", j) or (i > 0 and _word_char(text[i - 1])):
            i = lowered.find("http", i + 1)
            continue
        end = j + 3
        while end < n and not _ends_link(text[end]):
            end += 1
        url = _trim(text[i:end])
        href = _href(url) if len(url) > j + 3 - i else None
        if href is None:
            i = lowered.find("http", max(i + 1, end))
            continue
        if i > start:
            out.append((text[start:i], None))
        out.append((url, href))
        start = i + len(url)
        i = lowered.find("http", start)
    if start < n:
        out.append((text[start:], None))
    return out


def has_link(text):
    """Whether ``text`` holds at least one link."""
    return any(href is not None for _, href in runs(text))
