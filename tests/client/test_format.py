"""The panel's pure formatting under CPython: day labels ask for the locale date only when they show it."""

from __future__ import annotations

from parley.ui import format as fmt

DAY = 86_400_000


def test_today_and_yesterday_never_format_a_locale_date():
    asked: list[int] = []

    def date_text() -> str:
        asked.append(1)
        return "22/11/2026"

    now = 1_795_600_000_000
    t = {"today": "Today", "yesterday": "Yesterday"}.get
    assert fmt.day_label(now - 60_000, now, -60, t, date_text) == "Today"
    assert fmt.day_label(now - DAY, now, -60, t, date_text) == "Yesterday"
    assert asked == []  # a browser's first toLocaleDateString loads locale data: skipped for these
    assert fmt.day_label(now - 3 * DAY, now, -60, t, date_text) == "22/11/2026"
    assert asked == [1]


def test_text_counter_counts_as_the_server_counts() -> None:
    from parley import protocol as P

    assert P.text_length("  hi\r\nyou \n") == len("hi\nyou")  # stripped, CRLF as one newline
    assert P.text_length("\U0001F600" * 3) == 3  # characters (code points), not UTF-16 units or bytes
    quiet = fmt.text_counter("x" * 3000)
    assert quiet == {"count": 3000, "remaining": 1000, "show": False, "over": False}
    near = fmt.text_counter("x" * 3600)
    assert near["show"] and not near["over"] and near["remaining"] == 400
    at_limit = fmt.text_counter("\U0001F600" * P.MAX_TEXT_CHARS + "\n")
    assert at_limit["remaining"] == 0 and not at_limit["over"]
    P.make_send("c", 1, text="\U0001F600" * P.MAX_TEXT_CHARS)  # the server would take it
    over = fmt.text_counter("x" * (P.MAX_TEXT_CHARS + 7))
    assert over["over"] and over["remaining"] == -7
    try:
        P.make_send("c", 1, text="x" * (P.MAX_TEXT_CHARS + 1))
    except P.ProtocolError:
        pass
    else:
        raise AssertionError("the protocol takes one character more than the counter allows")


def test_preview_is_one_line_and_cut_at_a_word() -> None:
    assert fmt.preview("are you\n\n reading   this too?", 80) == "are you reading this too?"
    cut = fmt.preview("word " * 40, 30)
    assert len(cut) <= 30 and cut.endswith("…") and cut == "word word word word word…"
    assert fmt.preview("x" * 100, 10) == "x" * 9 + "…"  # no space to cut at: cut inside


def test_marked_runs_cover_the_text_and_mark_the_ranges():
    from parley.ui.format import marked_runs

    assert marked_runs("the blue car", [[4, 8]]) == [("the ", False), ("blue", True), (" car", False)]
    assert marked_runs("abc", []) == [("abc", False)]
    assert marked_runs("abcdef", [[3, 9], [0, 2], [1, 3]]) == [("abcdef", True)]
    assert marked_runs("abc", [[5, 7], [2, 1]]) == [("abc", False)]
    assert marked_runs("<b>x</b>", [[3, 4]]) == [("<b>", False), ("x", True), ("</b>", False)]
