"""The widget's string tables: every language has every string with the same placeholders."""

from __future__ import annotations

import re

import pytest
from parley.i18n import DEFAULT_LANG, STRINGS, Translator, is_rtl, pick_language

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


@pytest.mark.parametrize("lang", sorted(set(STRINGS) - {DEFAULT_LANG}))
def test_every_language_has_every_string_with_the_same_placeholders(lang: str) -> None:
    english = STRINGS[DEFAULT_LANG]
    assert set(STRINGS[lang]) == set(english)
    for key, text in english.items():
        assert sorted(PLACEHOLDER.findall(STRINGS[lang][key])) == sorted(PLACEHOLDER.findall(text)), key
        assert STRINGS[lang][key].strip(), key


def test_language_comes_from_the_site_then_the_browser() -> None:
    assert pick_language("fr", ["en-US"]) == "fr"
    assert pick_language("", ["de-DE", "ar-EG", "en"]) == "ar"
    assert pick_language(None, ["de", "ja"]) == DEFAULT_LANG


def test_right_to_left_languages() -> None:
    assert is_rtl("ar") and is_rtl("ar-EG") and not is_rtl("fr")


def test_translator_fills_placeholders_and_falls_back_to_english() -> None:
    t = Translator("fr")
    assert t("share_with", name="Bob") == "Partager avec Bob"
    assert Translator("xx")("send") == "Send"
