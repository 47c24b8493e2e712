"""The widget settings' input rules (server/oauth/widget_settings.py) and what the frame page makes of them
(server/widget/look.py)."""

from __future__ import annotations

import pytest
from parley.extensions import MAX_EXTENSIONS
from parley.i18n import STRINGS

from server.oauth.widget_settings import (
    DEFAULTS,
    LANGS,
    WidgetInputError,
    form_values,
    validate_widget,
    widget_settings,
)
from server.store.records import SiteRecord
from server.widget.look import accent_style, accent_text, frame_look, launcher_look, preview_draft

ORIGINS = ("https://shop.example", "http://127.0.0.1:8001")
GOOD = {"accent": "#3056D3", "side": "left", "offset": "32", "lang": "fr", "sound": "on",
        "features": ["sharing"], "extensions": "https://shop.example/a.py\n\nhttps://shop.example/a.py\n"}


def site(settings: dict[str, object]) -> SiteRecord:
    return SiteRecord(1, "site_x", 1, "Shop", ORIGINS, (), "profile", settings)


def test_good_input_is_normalized() -> None:
    out = validate_widget(GOOD, ORIGINS)
    assert out == {"accent": "#3056d3", "side": "left", "offset": 32, "lang": "fr", "sound": "on",
                   "features": {"sharing": True, "groups": False}, "extensions": ["https://shop.example/a.py"]}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("accent", "blue", "#3056d3"),
    ("accent", "#12345", "six hex digits"),
    ("side", "top", "left or right"),
    ("offset", "-1", "from 0 to 200"),
    ("offset", "201", "from 0 to 200"),
    ("offset", "1.5", "whole number"),
    ("lang", "de", "en, fr, ar"),
    ("sound", "loud", "on or off"),
    ("features", ["sharing", "files"], "Unknown feature(s): files"),
    ("extensions", "https://other.example/a.py", "one of the site's origins"),
    ("extensions", "http://shop.example/a.py", "https://"),
    ("extensions", "https://shop.example/", "full URL"),
    ("extensions", "https://shop.example/a.py#x", "full URL"),
    ("extensions", "\n".join(f"https://shop.example/{i}.py" for i in range(MAX_EXTENSIONS + 1)),
     f"At most {MAX_EXTENSIONS}"),
])
def test_each_bad_field_gets_its_own_message(field: str, value: object, message: str) -> None:
    with pytest.raises(WidgetInputError) as caught:
        validate_widget({**GOOD, field: value}, ORIGINS)
    assert list(caught.value.errors) == [field]
    assert message in caught.value.errors[field]


def test_loopback_http_is_allowed_for_local_tests() -> None:
    out = validate_widget({**GOOD, "extensions": "http://127.0.0.1:8001/ext/hello.py"}, ORIGINS)
    assert out["extensions"] == ["http://127.0.0.1:8001/ext/hello.py"]


def test_languages_are_the_widgets() -> None:
    assert set(LANGS) == set(STRINGS)


def test_stored_values_get_defaults_and_bad_ones_are_dropped() -> None:
    assert widget_settings({}) == DEFAULTS
    clean = widget_settings({"accent": "red", "side": "up", "offset": 999, "lang": "xx", "sound": 1,
                             "features": {"groups": False}, "extensions": ["https://shop.example/a.py", 3]})
    assert clean == {**DEFAULTS, "features": {"sharing": True, "groups": False},
                     "extensions": ["https://shop.example/a.py"]}
    assert form_values({"features": {"sharing": False}, "extensions": ["a", "b"]})["features"] == ["groups"]
    assert form_values({"extensions": ["a", "b"]})["extensions"] == "a\nb"


def test_accent_text_keeps_contrast() -> None:
    assert accent_text("#ffeb3b") == "#111111"  # yellow: dark text
    assert accent_text("#1a237e") == "#ffffff"  # navy: white text
    assert accent_style("") == ""
    assert "--parley-accent:#1a237e" in accent_style("#1a237e") and "--parley-mine:#1a237e" in accent_style("#1a237e")


def test_frame_look_layers_saved_snippet_and_preview() -> None:
    saved = site({"accent": "#000000", "side": "left", "offset": 40, "features": {"groups": False},
                  "extensions": ["https://shop.example/a.py"]})
    look = frame_look(saved, "fr", accent="#ABCDEF")
    assert look["accent"] == "#abcdef" and look["side"] == "left" and look["lang"] == "fr"
    assert frame_look(saved, "", accent="nope")["accent"] == "#000000"  # a bad override is ignored
    assert launcher_look(look) == {"side": "left", "offset": 40, "accent": "#abcdef", "sound": "off", "lang": "fr"}
    draft = preview_draft(saved, "features=sharing&side=right&offset=7&sound=on&ext=https://shop.example/b.py")
    assert draft == {"features": {"sharing": True, "groups": False}, "side": "right", "offset": 7, "sound": "on",
                     "extensions": ["https://shop.example/b.py"]}
    assert preview_draft(saved, "ext=https://evil.example/x.py")["extensions"] == []  # still the site's origins
    assert preview_draft(saved, "side=up&offset=-3&sound=loud") == {}
