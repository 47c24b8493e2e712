"""search_terms: query parsing into quoted terms, FTS5 and tsquery text, snippets (pure, no database)."""

from __future__ import annotations

from server.store.search_terms import MAX_TERMS, fts5_match, parse, snippet, tsquery


def test_words_phrases_and_prefix() -> None:
    query = parse('Blue "big  RED car" tom')
    assert query.groups == (("blue",), ("big", "red", "car"), ("tom",)) and query.prefix
    assert fts5_match(query) == '"blue" AND "big red car" AND "tom" *'
    assert tsquery(query) == "'blue' & ('big' <-> 'red' <-> 'car') & 'tom':*"


def test_no_prefix_after_a_quote_punctuation_or_one_letter() -> None:
    assert not parse('"tom"').prefix
    assert not parse("tom.").prefix
    assert not parse("blue t").prefix


def test_syntax_characters_never_reach_the_query() -> None:
    for text in ['a" OR "b', "x' | 'y", "NEAR(a b)", "col:blue*", "a\\b", "-(x) & !y"]:
        query = parse(text)
        for word in query.words:
            assert word.isalnum(), (text, word)
        assert fts5_match(query).count('"') % 2 == 0
    assert parse("!!! ???").groups == ()


def test_diacritics_and_case_fold_and_terms_are_capped() -> None:
    assert parse("CAFÉ Ångström").words == ["cafe", "angstrom"]
    assert len(parse(" ".join(f"w{i}" for i in range(20))).words) == MAX_TERMS


def test_an_unclosed_quote_is_plain_text() -> None:
    assert parse('"open phrase').groups == (("open",), ("phrase",))


def test_snippet_marks_are_ranges_of_the_snippet() -> None:
    text, marks = snippet("Hello  wörld\nand World", parse("world"))
    assert text == "Hello wörld and World"
    assert [text[a:b] for a, b in marks] == ["wörld", "World"]
    long = "x " * 200 + "target " + "y " * 200
    text, marks = snippet(long, parse("targ"))
    assert text.startswith("…") and text.endswith("…")
    assert [text[a:b] for a, b in marks] == ["target"]


def test_what_the_store_cuts_fits_what_the_protocol_accepts():
    """A search snippet (with its ellipses) and a reply's quote, as the store cuts them, pass the frames' limits:
    a client drops a frame whose field is too long (two limits once shared one name and broke search)."""
    from parley import protocol as P

    from server.store import message_changes, search_terms

    assert search_terms.SNIPPET_CHARS + 2 <= P.MAX_SNIPPET_CHARS
    assert message_changes.SNIPPET_CHARS <= P.MAX_QUOTE_CHARS
    long_text = "word " * 200 + "lighthouse" + " word" * 200
    text, _marks = search_terms.snippet(long_text, search_terms.parse("lighthouse"))
    hit = P.search_hit(1, 1, 1, 1, 1, "text", text, _marks)
    assert P.validate(P.make_search_results("r", [hit]), P.SERVER_FRAMES)["hits"][0]["snippet"] == text
