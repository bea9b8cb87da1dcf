"""Quote matching: forgiving only what copying a passage from a web page changes."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from briefbook.quotes import _LINK, Passage, _fold_with_origin, fold

TEXT = ("Following a [U.S. statement](#) promising “support for all efforts to investigate” —\n"
        "three rockets struck near the U.S. Embassy in Iraq on February 22, 2021.")


@pytest.mark.parametrize(
    "quote",
    [
        "U.S. statement promising \"support for all efforts to investigate\"",
        "investigate\" - three rockets",
        "three   rockets struck near\nthe U.S. Embassy",
        "[U.S. statement](https://example.org) promising",
        "investigate” — three",
    ],
)
def test_quotes_match_across_whitespace_typography_and_links(quote: str) -> None:
    assert Passage(TEXT).find(quote) is not None


@pytest.mark.parametrize(
    "quote",
    [
        "three Rockets struck",  # case
        "three rockets struck near the US Embassy",  # punctuation
        "two rockets struck",  # a different figure is a different claim
        "",
    ],
)
def test_anything_else_is_a_different_quote(quote: str) -> None:
    assert Passage(TEXT).find(quote) is None


def test_span_covers_whole_links_and_the_original_characters() -> None:
    passage = Passage(TEXT)
    span = passage.find("statement promising")
    assert span is not None
    original = passage.in_text(span)
    assert TEXT[original.start:original.end] == "[U.S. statement](#) promising"


def test_nearest_passage_names_the_line_and_words() -> None:
    line, passage = Passage(TEXT).nearest("three rockets hit near the U.S. Embassy")
    assert line == 2
    assert "rockets struck near the U.S. Embassy" in passage


prose = st.text(alphabet=st.sampled_from(list("ab c.,'’“”\"-–—\n\t[]()#")), max_size=80)


@settings(max_examples=300, deadline=None)
@given(prose)
def test_fast_and_mapped_folding_agree(text: str) -> None:
    assert _fold_with_origin(text)[0] == fold(text)


@settings(max_examples=300, deadline=None)
@given(prose, st.integers(0, 80), st.integers(1, 40))
def test_any_excerpt_of_a_text_is_found_where_it_is(text: str, start: int, length: int) -> None:
    excerpt = text[start:start + length]
    assume(fold(excerpt))
    # Link syntax is ignored by design, so an excerpt cutting into a link is not a quote.
    assume(not any(m.start() < start + length and start < m.end() for m in _LINK.finditer(text)))
    passage = Passage(text)
    span = passage.find(excerpt)
    assert span is not None
    original = passage.in_text(span)
    assert fold(excerpt) in fold(text[original.start:original.end])


@settings(max_examples=300, deadline=None)
@given(prose, st.integers(0, 80), st.integers(1, 40), prose)
def test_finding_through_the_word_index_agrees_with_a_plain_search(
        text: str, start: int, length: int, other: str) -> None:
    # Large sources find quotes through their word index; it must find exactly what a
    # plain search finds, excerpts and non-excerpts alike.
    passage = Passage(text + " " + text)
    needles = [n for n in (fold(text[start:start + length]), fold(other)) if n]
    assume(needles)
    for needle in needles:
        assert passage._find_by_word(needle) == passage.folded.find(needle)


def test_a_large_source_finds_quotes_where_a_small_one_does() -> None:
    text = " ".join(f"word{i % 500} [link {i}](#)" for i in range(20_000))
    passage = Passage(text)
    span = passage.find("word7 link 7 word8")
    assert span is not None
    assert passage.folded[span.start:span.end] == "word7 link 7 word8"
    assert passage.find("word7 link 8 word8") is None
