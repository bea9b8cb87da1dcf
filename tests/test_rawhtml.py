"""The plugin spares raw HTML blocks the Markdown pass: the page must come out as Markdown
would have made it, with the same ids for links to point at."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import markdown
import pytest
import yaml
from mkdocs.structure.pages import _RawHTMLPreprocessor

from briefbook.book import produce
from briefbook.rawhtml import Stash
from tests.conftest import FIXTURES, REPO, assert_clean_build, copy_book, mkdocs_build


@functools.cache
def _extensions() -> tuple[list[str], dict[str, Any]]:
    """The shipped book's Markdown extensions and their settings, from its mkdocs.yml."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    names, options = [], {}
    for entry in config["markdown_extensions"]:
        name, settings = next(iter(entry.items())) if isinstance(entry, dict) else (entry, {})
        names.append(name)
        options[name] = settings or {}
    return names, options


def _convert(text: str) -> tuple[str, set[str]]:
    """``text`` through Python-Markdown with the shipped book's extensions, and the ids
    MkDocs collects from its raw HTML for link checking."""
    names, options = _extensions()
    md = markdown.Markdown(extensions=names, extension_configs=options)
    raw = _RawHTMLPreprocessor()
    raw._register(md)
    return md.convert(text), raw.present_anchor_ids


def _through_stash(text: str) -> tuple[str, set[str], int]:
    stash = Stash()
    converted, ids = _convert(stash.take(text))
    return stash.restore(converted), ids | stash.anchor_ids(), len(stash.blocks)


def _body(text: str) -> str:
    # MkDocs hands Markdown the page without its front matter.
    return text.split("\n---\n", 1)[1] if text.startswith("---\n") else text


@pytest.mark.parametrize("root", [REPO, FIXTURES / "minimal"], ids=["shipped", "minimal"])
def test_every_generated_page_converts_as_markdown_would(root: Path) -> None:
    pages = [p for p in produce(root).pages if p.path.endswith(".md")]
    taken = 0
    for page in pages:
        text = _body(page.text)
        expected, expected_ids = _convert(text)
        html, ids, blocks = _through_stash(text)
        assert html == expected, page.path
        assert ids == expected_ids, page.path
        taken += blocks
    # Most of a generated page is raw HTML: the stash is no formality.
    assert taken > 2 * len(pages)


@pytest.mark.parametrize("text", [
    # A block that closes its first tag before its end: Markdown reads the rest.
    "<div>a</div>\nsome *text* <div>b</div>\n\nafter",
    # A raw block spanning blank lines holds the blocks after it.
    '<div class="outer">\n\n<p>inner *not emphasis*</p>\n\n<p>more</p>\n\n</div>\n\n## Next',
    # Tabs are expanded in raw HTML too.
    "<p>9-28-18\t• a tab</p>\n\ntext",
    # A page ending in a block, a page starting with one.
    "# Title\n\n<section><p>x</p></section>",
    "<ul>\n<li>a</li>\n</ul>\n\n- b",
    # What the browser reads raw, and inline tags, stay Markdown's.
    "<pre>\n*x*\n</pre>\n\n<span>*y*</span>",
    # Nested tags of the same name, void tags, comments.
    "<div><div>a</div>\n<div>b</div></div>\n\n<hr>\n\n<!-- c -->\n\n<div>d</div>",
    "",
])
def test_edge_cases_convert_as_markdown_would(text: str) -> None:
    expected, expected_ids = _convert(text)
    html, ids, _ = _through_stash(text)
    assert (html, ids) == (expected, expected_ids)


def test_ids_in_blocks_are_found_as_mkdocs_finds_them() -> None:
    text = ('<section id="a&amp;b"><h2 id="y-2020">2020</h2><a name="old">x</a>'
            '<span data-id="no" title="id=&quot;no&quot;">t</span></section>')
    _, ids, blocks = _through_stash(text)
    assert blocks == 1
    assert ids == {"a&b", "y-2020", "old"} == _convert(text)[1]


def test_content_cannot_spell_a_token() -> None:
    first, second = Stash(), Stash()
    first.take("<p>a</p>")
    token = next(iter(first.blocks))
    # Another page's token is plain text on this one.
    text = f"{token}\n\n<p>b</p>"
    html = second.restore(_convert(second.take(text))[0])
    assert html == _convert(text)[0]


def test_a_lost_block_is_an_error_not_a_missing_paragraph() -> None:
    stash = Stash()
    converted = _convert(stash.take("<p>a</p>\n\n<p>b</p>"))[0]
    with pytest.raises(AssertionError):
        stash.restore(converted.replace(next(iter(stash.blocks)), "", 1))


def test_links_into_raw_html_anchors_are_still_checked(tmp_path: Path) -> None:
    # A hand-written page's link to an id inside a generated page's raw HTML (a timeline
    # year) passes MkDocs' strict anchor check; a link to a missing id still fails it.
    book = copy_book(FIXTURES / "minimal", tmp_path / "book")
    year = produce(book).checked.index.book.events[0].date.earliest.year
    page = book / "docs" / "see-also.md"
    page.write_text(f"# See also\n\n[That year](timeline/index.md#y-{year})\n",
                    encoding="utf-8")
    assert_clean_build(mkdocs_build(book, tmp_path / "site"))
    page.write_text("# See also\n\n[No such year](timeline/index.md#y-1066)\n",
                    encoding="utf-8")
    broken = mkdocs_build(book, tmp_path / "site-broken")
    assert broken.returncode != 0
    assert "y-1066" in broken.stderr
